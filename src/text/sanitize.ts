// Untrusted text (file contents, program output, model output) must never reach the
// terminal as control sequences: it could repaint the screen or fake an approval prompt.
// Every control character becomes a visible, ASCII-only token instead.

const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

function visible(ch: string, keepNewlines: boolean): string {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === '\n') return keepNewlines ? '\n' : '\\n';
  if (ch === '\t') return keepNewlines ? '    ' : '\\t';
  if (code < 0x20) return '^' + String.fromCharCode(code + 0x40);
  if (code === 0x7f) return '^?';
  if (code >= 0x80 && code <= 0x9f) return `<${code.toString(16)}>`;
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\t|\n/gu;

/** Text safe to write to a terminal; newlines kept (tabs expanded) unless `singleLine`. */
export function sanitize(text: string, options: { singleLine?: boolean } = {}): string {
  const keep = options.singleLine !== true;
  return text.replace(UNSAFE, (ch) => visible(ch, keep));
}

/** True when sanitize would change the text: useful for flagging suspicious content. */
export function hasControlText(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u.test(text) || INVISIBLE.test(text);
}
