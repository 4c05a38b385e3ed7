// Every key, generated from the keymap: one column when it fits, else two, else "…N more".
import { COMMANDS, describeKey, type Command, type Keymap, type Scope } from '../commands/keymap.js';
import { line, seg, type Line } from './styled-lines.js';
import type { Glyphs, TerminalCaps } from '../terminal/terminal-caps.js';
import { textWidth, truncate } from '../terminal/text-width.js';
import { VIEWS } from '../views/registry.js';

export interface HelpInput {
  keymap: Keymap;
  height: number;
  width: number;
  caps: TerminalCaps;
  /** Rows scrolled down when every key does not fit. */
  offset?: number;
}

/** The sections in order: the keys every view shares, each view's own (from the registry), then the rest. */
const SECTIONS: ReadonlyArray<readonly [Scope, string]> = [
  ['views', 'Every view'],
  ...VIEWS.flatMap((v): [Scope, string][] =>
    v.section === undefined ? [] : [[v.name, `${v.section} (${v.keys[0] ?? ''})`]],
  ),
  ['confirm', 'High-risk or irreversible: the second key'],
  ['input', 'Input line (Emacs keys)'],
  ['emptyInput', 'Empty input line'],
  ['help', 'This help'],
];

type Entry = { title: string } | { keys: string; what: string };

export function keyLabels(keys: readonly string[], glyphs: Glyphs): string {
  return keys.map((k) => describeKey(k, glyphs)).join(' ');
}

function entries(keymap: Keymap, glyphs: Glyphs): Entry[] {
  const out: Entry[] = [];
  for (const [scope, title] of SECTIONS) {
    const bindings = Object.entries(keymap[scope]) as [Command, readonly string[]][];
    if (bindings.length === 0) continue;
    out.push({ title });
    for (const [command, keys] of bindings) out.push({ keys: keyLabels(keys, glyphs), what: COMMANDS[command] });
  }
  return out;
}

function render(entry: Entry | undefined, keyWidth: number, width: number, ellipsis: string): Line {
  if (entry === undefined) return [];
  if ('title' in entry) return line(truncate(entry.title, width, ellipsis), { bold: true, tone: 'accent' });
  const keys = `  ${truncate(entry.keys, keyWidth, ellipsis).padEnd(keyWidth)} `;
  return [seg(keys, { bold: true }), seg(truncate(entry.what, width - textWidth(keys), ellipsis))];
}

function pad(l: Line, width: number): Line {
  const used = textWidth(l.map((s) => s.text).join(''));
  return used >= width ? l : [...l, seg(' '.repeat(width - used))];
}

/** Where to break into two columns: a section boundary near the middle when one fits. */
function splitAt(all: Entry[], room: number): number {
  const half = Math.ceil(all.length / 2);
  let best = half;
  for (let i = 1; i < all.length; i++) {
    const e = all[i];
    if (e === undefined || !('title' in e) || i > room || all.length - i > room) continue;
    if (Math.abs(i - half) < Math.abs(best - half) || !('title' in (all[best] ?? { keys: '', what: '' }))) best = i;
  }
  return best;
}

export function helpLines({ keymap, height, width, caps, offset = 0 }: HelpInput): Line[] {
  if (height <= 0) return [];
  const { ellipsis } = caps.glyphs;
  const all = entries(keymap, caps.glyphs);
  const keyWidth = Math.min(15, Math.max(...all.map((e) => ('keys' in e ? textWidth(e.keys) : 0))));
  const head = line(`Keys ${caps.glyphs.dash} Esc or ? closes this help`, { bold: true });
  const room = height - 1;
  if (all.length > room && (width < 60 || Math.ceil(all.length / 2) > room)) {
    // Too many for the screen: one column, scrolled with the arrows.
    const start = Math.max(0, Math.min(offset, all.length - (room - 1)));
    const shown = all.slice(start, start + room - 1).map((e) => render(e, keyWidth, width, ellipsis));
    const more = all.length - start - shown.length;
    const hint = line(
      `${start > 0 ? `${caps.glyphs.up} ` : ''}${more > 0 ? `${caps.glyphs.down} ${more} more` : 'end'} ${caps.glyphs.dash} ${caps.glyphs.up}/${caps.glyphs.down} scroll`,
      { tone: 'muted' },
    );
    return [head, ...shown, hint].slice(0, height);
  }
  if (all.length <= room || width < 60) {
    return [head, ...all.map((e) => render(e, keyWidth, width, ellipsis))].slice(0, height);
  }
  const colWidth = Math.floor(width / 2);
  const cut = splitAt(all, room);
  const left = all.slice(0, cut);
  const right = all.slice(cut);
  const tall = Math.max(left.length, right.length);
  const rows: Line[] = [];
  for (let i = 0; i < Math.min(tall, room); i++) {
    rows.push([
      ...pad(render(left[i], keyWidth, colWidth - 1, ellipsis), colWidth),
      ...render(right[i], keyWidth, width - colWidth, ellipsis),
    ]);
  }
  if (tall > room) {
    const hidden = all.length - Math.min(left.length, room - 1) - Math.min(right.length, room - 1);
    rows[room - 1] = line(`${ellipsis}${hidden} more ${caps.glyphs.dash} make the terminal taller`, { tone: 'muted' });
  }
  return [head, ...rows];
}

/**
 * A one-row reminder of the keys that matter in the plan view, from the keymap: dimmed while
 * the key guard would turn a key away (the plan just changed, a key was just pressed), lit once
 * a key pressed alone would act.
 */
export function planHint(keymap: Keymap, glyphs: Glyphs, armed = true): Line {
  const pick: Command[] = [
    'approveAll',
    'approveStep',
    'rejectStep',
    'skipStep',
    'editStep',
    'selectNext',
    'focusInput',
    'help',
  ];
  const words: Partial<Record<Command, string>> = {
    approveAll: 'approve all',
    approveStep: 'step',
    rejectStep: 'reject',
    skipStep: 'skip',
    editStep: 'edit',
    selectNext: 'select',
    focusInput: 'back',
    help: 'keys',
  };
  const first = (c: Command): string | null => {
    const key = keymap.plan[c]?.[0] ?? keymap.views[c]?.[0];
    return key === undefined ? null : describeKey(key, glyphs);
  };
  const parts = pick.flatMap((c) => {
    const key = first(c);
    if (key === null) return [];
    const prev = c === 'selectNext' ? first('selectPrev') : null;
    return [`${prev === null ? '' : `${prev}/`}${key} ${words[c] ?? c}`];
  });
  return line(parts.join(`  `), armed ? { bold: true } : { tone: 'muted' });
}
