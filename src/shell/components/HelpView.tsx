// The help view: every key, from the keymap.
import { memo } from 'react';
import { helpLines, type HelpInput } from '../rows/help-lines.js';
import { Lines } from './Lines.js';

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const HelpView = memo(function HelpView(props: HelpInput) {
  return <Lines lines={helpLines(props)} width={props.width} caps={props.caps} />;
});
