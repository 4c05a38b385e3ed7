// One row for the latest message.
import { memo } from 'react';
import { flashLine } from './flash-line.js';
import { Lines } from './Lines.js';
import type { Flash } from './shell-state.js';
import type { TerminalCaps } from './terminal-caps.js';

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const FlashLine = memo(function FlashLine({ flash, width, caps }: { flash: Flash | null; width: number; caps: TerminalCaps }) {
  return flash === null ? null : <Lines lines={[flashLine(flash)]} width={width} caps={caps} />;
});
