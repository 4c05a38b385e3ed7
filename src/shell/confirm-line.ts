// The row that asks for the second key before a high-risk, irreversible or restoring action.
import type { Confirm } from './shell-state.js';
import { seg, type Line } from './styled-lines.js';

export function confirmLine(confirm: Confirm): Line {
  return [seg('! confirm: ', { tone: 'danger', bold: true, inverse: true }), seg(` ${confirm.text}`, { tone: 'danger', bold: true })];
}
