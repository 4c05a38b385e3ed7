// The bottom row: is aiosd there, who am I, on which node, in which mode.
import { memo } from 'react';
import { Lines } from './Lines.js';
import { statusLine, type StatusInput } from '../rows/status-line.js';

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const StatusBar = memo(function StatusBar(props: StatusInput & { width: number }) {
  return <Lines lines={[statusLine(props)]} width={props.width} caps={props.caps} />;
});
