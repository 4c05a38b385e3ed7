// Key bindings are data: each scope maps commands to key names (as key-decode names them).
// The help view is generated from the same table, so it cannot drift from what keys do.

import { BASE_COMMANDS, type BaseCommand, type Bindings } from './command-names.js';
import { VIEWS, viewCommand, type RegisteredView, type ViewCommand } from '../views/registry.js';

/** The views the main area can show (the registry's); `help` lists every key. */
export type ViewName = RegisteredView | 'help';

/** Where the keyboard is: the input line, or the view shown. */
export type Focus = 'input' | ViewName;

/**
 * `emptyInput` bindings win over `input` ones while the input line is empty; `views` holds the
 * keys every view shares (switching views, help, leaving), after the view's own. Each view is a
 * scope of its own (its record's bindings).
 */
export type Scope = 'emptyInput' | 'input' | 'views' | RegisteredView | 'help' | 'confirm';

export type Command = BaseCommand | ViewCommand;

export const COMMANDS: Readonly<Record<Command, string>> = {
  ...BASE_COMMANDS,
  ...(Object.fromEntries(VIEWS.map((v) => [viewCommand(v.name), v.title])) as Record<ViewCommand, string>),
};

export type Keymap = Readonly<Record<Scope, Bindings<Command>>>;

/** Each view's keys, from any view; those that are not printable (F-keys) from the input line too. */
const VIEW_KEYS = Object.fromEntries(VIEWS.map((v) => [viewCommand(v.name), v.keys])) as Bindings<ViewCommand>;
const FKEYS = Object.fromEntries(
  VIEWS.map((v) => [viewCommand(v.name), v.keys.filter((k) => k.length > 1)]),
) as Bindings<ViewCommand>;
const VIEW_SCOPES = Object.fromEntries(VIEWS.map((v) => [v.name, v.bindings ?? {}])) as Record<
  RegisteredView,
  Bindings<Command>
>;

export const DEFAULT_KEYMAP: Keymap = {
  emptyInput: {
    help: ['?'],
    leave: ['ctrl+d'],
    cancelGoal: ['ctrl+c'],
    pullModel: ['f9'],
  },
  input: {
    submit: ['return'],
    newline: ['meta+return', 'ctrl+j'],
    focusView: ['tab'],
    cancelInput: ['escape'],
    historyPrev: ['up', 'ctrl+p'],
    historyNext: ['down', 'ctrl+n'],
    cursorLeft: ['left', 'ctrl+b'],
    cursorRight: ['right', 'ctrl+f'],
    wordLeft: ['meta+b', 'ctrl+left', 'meta+left'],
    wordRight: ['meta+f', 'ctrl+right', 'meta+right'],
    cursorHome: ['home', 'ctrl+a'],
    cursorEnd: ['end', 'ctrl+e'],
    deleteBack: ['backspace'],
    deleteForward: ['delete', 'ctrl+d'],
    killToEnd: ['ctrl+k'],
    killToStart: ['ctrl+u'],
    killWordBack: ['ctrl+w', 'meta+backspace'],
    killWordForward: ['meta+d'],
    yank: ['ctrl+y'],
    transpose: ['ctrl+t'],
    clearLine: ['ctrl+c'],
    help: ['f1'],
    ...FKEYS,
  },
  views: {
    focusInput: ['escape', 'tab', 'i', 'ctrl+c'],
    ...VIEW_KEYS,
    help: ['?', 'f1'],
    quit: ['q'],
    leave: ['ctrl+d'],
  },
  ...VIEW_SCOPES,
  help: {
    closeHelp: ['escape', '?', 'q', 'return', 'ctrl+c'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    leave: ['ctrl+d'],
  },
  confirm: {
    confirm: ['Y'],
  },
};

export type Resolved = { command: Command } | { command: 'insertText'; text: string };

function find(bindings: Keymap[Scope], key: string): Command | null {
  for (const [command, keys] of Object.entries(bindings) as [Command, readonly string[]][]) {
    if (keys.includes(key)) return command;
  }
  return null;
}

/** The scopes searched, first match wins. */
export function scopesFor(focus: Focus, context: { inputEmpty: boolean }): Scope[] {
  if (focus === 'input') return context.inputEmpty ? ['emptyInput', 'input'] : ['input'];
  if (focus === 'help') return ['help'];
  return [focus, 'views'];
}

/**
 * What a key press means where the keyboard is focused. `key` is the key's name ('return',
 * 'ctrl+d', 'a'); `input` is the text it types ('' for control keys; a whole run when pasted).
 */
export function resolveKey(
  input: string,
  key: string,
  focus: Focus,
  context: { inputEmpty: boolean },
  keymap: Keymap = DEFAULT_KEYMAP,
): Resolved | null {
  for (const scope of scopesFor(focus, context)) {
    const command = key === '' ? null : find(keymap[scope], key);
    if (command !== null) return { command };
  }
  if (focus === 'input' && input !== '') return { command: 'insertText', text: input };
  return null;
}

const NAMES: Record<string, string> = {
  return: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  backspace: 'BkSp',
  delete: 'Del',
  ' ': 'Space',
  home: 'Home',
  end: 'End',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  left: 'Left',
  right: 'Right',
  f1: 'F1',
  f2: 'F2',
  f3: 'F3',
  f4: 'F4',
  f5: 'F5',
  f6: 'F6',
  f7: 'F7',
  f8: 'F8',
  f9: 'F9',
  f10: 'F10',
  f11: 'F11',
  f12: 'F12',
};

/** A key name as a person reads it: 'ctrl+d' → 'Ctrl-D', 'up' → '↑' (or 'Up'). */
export function describeKey(key: string, arrows: { up: string; down: string }): string {
  if (key === 'up') return arrows.up;
  if (key === 'down') return arrows.down;
  const mod = /^(ctrl|meta|shift)\+(.+)$/.exec(key);
  if (mod !== null) {
    const base = mod[2] ?? '';
    const label = NAMES[base] ?? base.toUpperCase();
    return `${mod[1] === 'ctrl' ? 'Ctrl' : mod[1] === 'meta' ? 'Alt' : 'Shift'}-${label}`;
  }
  return NAMES[key] ?? key;
}
