// The input line's row: a prompt, the text around the cursor (scrolled to fit), the cursor.
import { visibleWindow, type EditLine } from './line-edit.js';
import { seg, type Line } from './styled-lines.js';

const PROMPT = 'goal> ';

export function inputLine({ line, active, width }: { line: EditLine; active: boolean; width: number }): Line {
  const prompt = seg(PROMPT, { tone: 'accent', bold: active });
  if (!active) return [prompt, seg(line.text, { tone: 'muted' })];
  if (line.text === '') {
    return [prompt, seg(' ', { inverse: true }), seg(' type what you want done, then Enter', { tone: 'muted' })];
  }
  const view = visibleWindow(line, width - PROMPT.length);
  return [prompt, seg(view.before), seg(view.at, { inverse: true }), seg(view.after)];
}
