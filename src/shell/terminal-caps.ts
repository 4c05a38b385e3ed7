// What the terminal can show, decided once from the environment: colour or not, Unicode
// glyphs or ASCII only, and how often a serial line can afford a repaint.

export interface Glyphs {
  ellipsis: string;
  dash: string;
  pointer: string;
  sep: string;
  up: string;
  down: string;
}

export interface TerminalCaps {
  /** 16 ANSI colours may be used (never more: the Linux console has 16). */
  color: boolean;
  /** Only 7-bit ASCII is safe to draw (serial vt100-class terminals). */
  ascii: boolean;
  glyphs: Glyphs;
  /** Ceiling on repaints per second; serial lines get fewer. */
  maxFps: number;
}

const UNICODE: Glyphs = { ellipsis: '…', dash: '—', pointer: '›', sep: '·', up: '↑', down: '↓' };
const ASCII: Glyphs = { ellipsis: '...', dash: '-', pointer: '>', sep: '|', up: 'Up', down: 'Down' };

/** vt100, vt220, … and dumb terminals: assume a serial line with no colour and no UTF-8. */
function isSerialClass(term: string): boolean {
  return /^(vt\d+|dumb|ansi)$/.test(term) || term === '';
}

export function detectCaps(env: NodeJS.ProcessEnv): TerminalCaps {
  const term = env['TERM'] ?? '';
  const serial = isSerialClass(term);
  const ascii = serial || env['AIOS_ASCII'] === '1';
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return {
    color: !noColor && !serial,
    ascii,
    glyphs: ascii ? ASCII : UNICODE,
    maxFps: serial ? 10 : 30,
  };
}
