// What the terminal can show, decided once from the environment: colour or not, which glyphs
// (Unicode, the Linux console's CP437 font, or 7-bit ASCII), synchronized output, and how many
// bytes a second the line carries (a serial console is slow: frames are paced to it).

export interface Glyphs {
  ellipsis: string;
  dash: string;
  pointer: string;
  sep: string;
  up: string;
  down: string;
  /** Vertical and horizontal rules between panes and above them. */
  vbar: string;
  hbar: string;
  /** Tree branches, two columns each: a step, the last step, a continuing line. */
  branch: string;
  last: string;
  pipe: string;
  /** Sparkline levels, lowest first, one column each. */
  spark: readonly string[];
  full: string;
  empty: string;
}

export type GlyphSet = 'unicode' | 'cp437' | 'ascii';

export interface TerminalCaps {
  /** 16 ANSI colours may be used (never more: the Linux console has 16). */
  color: boolean;
  /** Only 7-bit ASCII is safe to draw (serial vt100-class terminals, non-UTF-8 locales). */
  ascii: boolean;
  glyphSet: GlyphSet;
  glyphs: Glyphs;
  /** Ceiling on repaints per second; serial lines get fewer. */
  maxFps: number;
  /** Wrap multi-row updates in DEC mode 2026 so they appear at once. */
  syncOutput: boolean;
  /** Insert/Delete Line (VT102 and later): panes scroll without redrawing every row. */
  scrollLines: boolean;
  /** What the line carries, in bytes a second; null when unknown (a pseudo-terminal). */
  lineBytesPerS: number | null;
  /** A terminal that cannot move the cursor: the shell runs in plain line mode. */
  dumb: boolean;
}

const UNICODE: Glyphs = {
  ellipsis: '…',
  dash: '—',
  pointer: '›',
  sep: '·',
  up: '↑',
  down: '↓',
  vbar: '│',
  hbar: '─',
  branch: '├─',
  last: '└─',
  pipe: '│ ',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  full: '█',
  empty: '░',
};
// The Linux console's default font is CP437: box drawing, shades and arrows, but no ellipsis,
// em dash or eighth blocks.
const CP437: Glyphs = {
  ellipsis: '...',
  dash: '-',
  pointer: '>',
  sep: '·',
  up: '↑',
  down: '↓',
  vbar: '│',
  hbar: '─',
  branch: '├─',
  last: '└─',
  pipe: '│ ',
  spark: [' ', '░', '▒', '▓', '█'],
  full: '█',
  empty: '░',
};
const ASCII: Glyphs = {
  ellipsis: '...',
  dash: '-',
  pointer: '>',
  sep: '|',
  up: 'Up',
  down: 'Down',
  vbar: '|',
  hbar: '-',
  branch: '|-',
  last: '`-',
  pipe: '| ',
  spark: ['_', '.', ':', '-', '=', '+', '*', '#'],
  full: '#',
  empty: '.',
};

/** vt100, vt220, … and dumb terminals: assume a serial line with no colour and no UTF-8. */
function isSerialClass(term: string): boolean {
  return /^(vt\d+|dumb|ansi)/.test(term) || term === '';
}

/** A locale that names a charset other than UTF-8 (C, POSIX, ISO-8859-1…). Unset counts as UTF-8. */
export function nonUtf8Locale(env: NodeJS.ProcessEnv): boolean {
  const value = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  if (value === '') return false;
  return !/utf-?8/i.test(value);
}

const SYNC_TERMINALS = /^(WezTerm|iTerm\.app|ghostty|contour|vscode|tmux|rio)$/i;

function syncOutput(env: NodeJS.ProcessEnv, term: string): boolean {
  const forced = env['AIOS_SYNC_OUTPUT'];
  if (forced === '1') return true;
  if (forced === '0') return false;
  return SYNC_TERMINALS.test(env['TERM_PROGRAM'] ?? '') || /^(xterm-kitty|foot|alacritty|contour|wezterm)/.test(term);
}

/** Baud → bytes a second (8N1: ten bits a byte). */
export function baudToBytes(baud: number): number {
  return Math.max(30, Math.floor(baud / 10));
}

export function detectCaps(env: NodeJS.ProcessEnv): TerminalCaps {
  const term = env['TERM'] ?? '';
  const serial = isSerialClass(term);
  const dumb = term === 'dumb' || env['AIOS_LINE_MODE'] === '1';
  const ascii = serial || env['AIOS_ASCII'] === '1' || nonUtf8Locale(env);
  const glyphSet: GlyphSet = ascii ? 'ascii' : term === 'linux' ? 'cp437' : 'unicode';
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const baud = Number(env['AIOS_LINE_SPEED'] ?? '');
  return {
    color: !noColor && !serial,
    ascii,
    glyphSet,
    glyphs: glyphSet === 'ascii' ? ASCII : glyphSet === 'cp437' ? CP437 : UNICODE,
    maxFps: serial ? 10 : 30,
    syncOutput: !serial && syncOutput(env, term),
    // The original VT100 lacks IL/DL; vt102, vt220 and everything later has them.
    scrollLines: term !== 'vt100' && term !== 'dumb' && term !== '',
    lineBytesPerS: Number.isFinite(baud) && baud > 0 ? baudToBytes(baud) : null,
    dumb,
  };
}
