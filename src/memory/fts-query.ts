// User text → FTS5 query. FTS5 has its own syntax (quotes, NEAR, AND/OR/NOT, parentheses,
// column filters, ^), and raw user text in MATCH either throws or means something else.
// Quoting every word makes each a literal phrase; juxtaposed phrases are AND-ed.

// Long pasted text would AND hundreds of phrases together; the first words carry the intent.
const MAX_TERMS = 32;
// What the unicode61 tokenizer keeps as token characters: a word without one is all separators.
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
// FTS5 ends a string at NUL ("unterminated string"); other controls are separators anyway.
const CONTROL = /\p{Cc}/gu;

/** The FTS5 query for `text`, or null when it holds no searchable word. */
export function toFtsQuery(text: string): string | null {
  const terms: string[] = [];
  for (const word of text.replace(CONTROL, ' ').split(/\s+/)) {
    const prefix = word.endsWith('*');
    const body = word.replace(/\*+$/, '');
    if (!TOKEN_CHAR.test(body)) continue;
    terms.push(`"${body.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
    if (terms.length === MAX_TERMS) break;
  }
  return terms.length === 0 ? null : terms.join(' ');
}
