// The keys the fast echo path is proven with, end to end: typing, Backspace, Ctrl-A and
// Ctrl-E, a word back (Alt-B), a second line (Alt-Enter), Left, a resize while typing ('resize'),
// Ctrl-U; and the terminals and sizes they are typed on.
export const ECHO_KEYS = [
  'r',
  'e',
  's',
  'tart',
  ' nginx',
  '\u007f',
  '\u0001',
  'x',
  '\u0005',
  '\u001bb',
  'y',
  '\u001b\r',
  'second',
  '\u001b[D',
  'resize',
  'more',
  '\u0015',
  'z',
];

/** Keys in ECHO_KEYS that change the layout, and so are left to the whole frame. */
export const ECHO_LAYOUT_KEYS = 4;

export const ECHO_TERMINALS = [
  ['xterm-256color', 80, 24],
  ['linux', 40, 12],
  ['vt100', 40, 12],
] as const;
