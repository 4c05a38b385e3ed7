// Text cut to a length for a model's prompt, marked where it was cut: the head of arguments and
// error messages (what comes first names the thing), the tail of output (where the reason is).
export function bounded(text: string, max: number, keep: 'head' | 'tail'): string {
  if (text.length <= max) return text;
  return keep === 'head' ? `${text.slice(0, max)}…(cut)` : `(cut)…${text.slice(-max)}`;
}
