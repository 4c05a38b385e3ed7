// One row for the latest message, or the rows of the question that asks for a second key.
import { memo } from 'react';
import { confirmLines } from '../rows/confirm-line.js';
import { flashLine } from '../rows/flash-line.js';
import { Lines } from './Lines.js';
import type { Confirm, Flash } from '../state/shell-state.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const FlashLine = memo(function FlashLine({
  flash,
  confirm,
  width,
  rows = 1,
  caps,
}: {
  flash: Flash | null;
  confirm?: Confirm | null;
  width: number;
  rows?: number;
  caps: TerminalCaps;
}) {
  if (confirm !== undefined && confirm !== null)
    return <Lines lines={confirmLines(confirm, width).slice(0, rows)} width={width} caps={caps} />;
  return flash === null ? null : <Lines lines={[flashLine(flash)]} width={width} caps={caps} />;
});
