// The flash row: an error from a call, an alert, a refusal explained.
import type { Flash } from '../state/shell-state.js';
import { seg, type Line, type Tone } from './styled-lines.js';

const TONE: Record<Flash['level'], Tone> = { info: 'accent', warning: 'warn', error: 'danger' };
const MARK: Record<Flash['level'], string> = { info: '-', warning: '!', error: '!' };

export function flashLine(flash: Flash): Line {
  return [
    seg(`${MARK[flash.level]} `, { tone: TONE[flash.level], bold: true }),
    seg(flash.text, { tone: TONE[flash.level] }),
  ];
}
