// A reason quoted into a sentence of ours often ends with its own full stop (a model's words,
// a library's error): the sentence then ends with one, not two.
export function sentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}
