// The rows that ask for the second key before a restoring, rolling back, cancelling, leaving or
// model-pulling action: the question first (so a cut-off row still says which key does what),
// then what the action would do, wrapped to the width.
import type { Confirm } from '../state/confirm.js';
import { seg, type Line } from './styled-lines.js';

const LABEL = '! confirm: ';

/** The text cut into rows of at most `width` characters, at spaces where it can be. */
function wrap(text: string, width: number): string[] {
  const rows: string[] = [];
  let rest = Array.from(text);
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 2 ? space : width;
    rows.push(rest.slice(0, cut).join(''));
    rest = rest.slice(space === cut ? cut + 1 : cut);
  }
  rows.push(rest.join(''));
  return rows;
}

export function confirmLines(confirm: Confirm, width: number): Line[] {
  const [first = '', ...more] = wrap(` ${confirm.text}`, Math.max(1, width - LABEL.length));
  const style = { tone: 'danger', bold: true } as const;
  return [
    [seg(LABEL, { ...style, inverse: true }), seg(first, style)],
    ...more.map((row) => [seg(' '.repeat(LABEL.length)), seg(row, style)]),
  ];
}
