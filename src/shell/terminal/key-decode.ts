// Raw terminal input → key presses. The shell reads stdin itself (rather than through Ink's
// useInput) so that Backspace (DEL, ^H) and Delete (ESC [3~) stay distinct keys, as they are on
// the Linux console, a serial vt100 and xterm alike.

export interface KeyPress {
  /** Binding name: 'return', 'up', 'ctrl+a', 'meta+b', 'a', '?'; '' for a pasted run of text. */
  key: string;
  /** The text the key types: one character, a pasted run, or '' for control keys. */
  input: string;
}

const CSI_TILDE: Record<string, string> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
  '11': 'f1',
  '12': 'f2',
  '13': 'f3',
  '14': 'f4',
  '15': 'f5',
  '17': 'f6',
  '18': 'f7',
  '19': 'f8',
  '20': 'f9',
  '21': 'f10',
  '23': 'f11',
  '24': 'f12',
  // Bracketed paste (mode 2004): what comes between is pasted text, never keys to act on.
  '200': 'pastestart',
  '201': 'pasteend',
};

const CSI_FINAL: Record<string, string> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'shift+tab',
  P: 'f1',
  Q: 'f2',
  R: 'f3',
  S: 'f4',
};

/** Names one complete escape sequence (ESC [ … final, ESC O x, or the Linux console's ESC [ [ x). */
function nameEscape(seq: string): string {
  const body = seq.slice(1); // after the ESC
  if (body === '') return 'escape';
  const linuxF = /^\[\[([A-E])$/.exec(body);
  if (linuxF !== null) return `f${'ABCDE'.indexOf(linuxF[1] ?? 'A') + 1}`;
  const ss3 = /^O([A-Za-z])$/.exec(body);
  if (ss3 !== null) return CSI_FINAL[ss3[1] ?? ''] ?? '';
  const csi = /^\[([0-9;]*)([~A-Za-z])$/.exec(body);
  if (csi === null) {
    if (Array.from(body).length !== 1) return '';
    if (body === '\r') return 'meta+return';
    return body === '\u007f' || body === '\b' ? 'meta+backspace' : `meta+${body}`;
  }
  const [first = '', mods = ''] = (csi[1] ?? '').split(';');
  const base = csi[2] === '~' ? CSI_TILDE[first] : CSI_FINAL[csi[2] ?? ''];
  if (base === undefined) return '';
  const m = Number(mods) - 1;
  if (!(m > 0)) return base;
  return `${m & 4 ? 'ctrl+' : ''}${m & 2 ? 'meta+' : ''}${m & 1 ? 'shift+' : ''}${base}`;
}

function nameControl(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\r') return 'return';
  if (ch === '\n') return 'ctrl+j';
  if (ch === '\t') return 'tab';
  if (ch === '\u007f' || ch === '\b') return 'backspace';
  if (code === 0) return 'ctrl+space';
  if (code <= 26) return `ctrl+${String.fromCharCode(code + 96)}`;
  return '';
}

/** Length of the escape sequence at `i`, or -1 when the text ends before it is complete. */
function escapeLength(text: string, i: number): number {
  const next = text[i + 1];
  if (next === undefined) return -1;
  if (next === '[') {
    if (text[i + 2] === '[') return text[i + 3] === undefined ? -1 : 4;
    for (let j = i + 2; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j - i + 1;
      if (!(c >= 0x20 && c <= 0x3f)) return j - i; // malformed: end before the stray byte
    }
    return -1;
  }
  if (next === 'O') return text[i + 2] === undefined ? -1 : 3;
  // ESC before another control key (ESC ESC, ESC ^D…) is Escape, then that key: a slow reader
  // can get both in one chunk, and Alt with a control key means nothing here — except Alt-Enter
  // (a new line in the input) and Alt-Backspace.
  if (next === '\r') return 2;
  if (next.charCodeAt(0) < 0x20 && next !== '\b') return 1;
  return 2;
}

/**
 * Splits a chunk of input into key presses. An escape sequence cut off at the end of the chunk
 * is returned as `rest`, to be prefixed to the next chunk or flushed after a short pause.
 */
export function decodeKeys(text: string): { keys: KeyPress[]; rest: string } {
  const keys: KeyPress[] = [];
  let run = '';
  const flushRun = (): void => {
    if (run === '') return;
    const chars = Array.from(run);
    keys.push(chars.length === 1 ? { key: run, input: run } : { key: '', input: run });
    run = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    const code = ch.charCodeAt(0);
    if (ch === '\u001b') {
      flushRun();
      const len = escapeLength(text, i);
      if (len === -1) return { keys, rest: text.slice(i) };
      keys.push({ key: nameEscape(text.slice(i, i + len)), input: '' });
      i += len;
    } else if (code < 0x20 || code === 0x7f) {
      flushRun();
      keys.push({ key: nameControl(ch), input: '' });
      i += 1;
    } else if (code >= 0x80 && code <= 0x9f) {
      i += 1; // C1 controls typed at a keyboard are never meant as text
    } else {
      run += ch;
      i += 1;
    }
  }
  flushRun();
  return { keys: keys.filter((k) => k.key !== '' || k.input !== ''), rest: '' };
}

/** Whatever was held back, as keys, when no more input followed (a lone Esc, mostly). */
export function flushKeys(rest: string): KeyPress[] {
  if (rest === '') return [];
  if (rest === '\u001b') return [{ key: 'escape', input: '' }];
  return [{ key: nameEscape(rest), input: '' }].filter((k) => k.key !== '');
}
