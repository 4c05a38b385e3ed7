// Key bindings are data: each scope maps commands to key names (as key-decode names them).
// The help view is generated from the same table, so it cannot drift from what keys do.

export type Focus = 'input' | 'plan' | 'help';

/** `emptyInput` bindings win over `input` ones while the input line is empty. */
export type Scope = 'emptyInput' | 'input' | 'plan' | 'help';

export const COMMANDS = {
  submit: 'submit, see its plan',
  focusPlan: 'go to the plan',
  historyPrev: 'older goal (history)',
  historyNext: 'newer goal (history)',
  cursorLeft: 'cursor left',
  cursorRight: 'cursor right',
  cursorHome: 'start of line',
  cursorEnd: 'end of line',
  deleteBack: 'delete left',
  deleteForward: 'delete under cursor',
  killToEnd: 'cut to end of line',
  killToStart: 'cut to start of line',
  killWordBack: 'cut previous word',
  clearLine: 'clear the line',
  focusInput: 'back to the input line',
  approveAll: 'approve whole plan',
  approveStep: 'approve selected step',
  rejectStep: 'reject selected step',
  selectPrev: 'previous step',
  selectNext: 'next step',
  prevGoal: 'previous goal',
  nextGoal: 'next goal',
  rollback: 'roll back last goal',
  help: 'show all keys',
  closeHelp: 'close help',
  leave: 'leave the shell',
} as const;

export type Command = keyof typeof COMMANDS;

export type Keymap = Readonly<Record<Scope, Readonly<Partial<Record<Command, readonly string[]>>>>>;

export const DEFAULT_KEYMAP: Keymap = {
  emptyInput: {
    help: ['?'],
    leave: ['ctrl+d'],
  },
  input: {
    submit: ['return'],
    focusPlan: ['tab'],
    historyPrev: ['up'],
    historyNext: ['down'],
    cursorLeft: ['left', 'ctrl+b'],
    cursorRight: ['right', 'ctrl+f'],
    cursorHome: ['home', 'ctrl+a'],
    cursorEnd: ['end', 'ctrl+e'],
    deleteBack: ['backspace'],
    deleteForward: ['delete', 'ctrl+d'],
    killToEnd: ['ctrl+k'],
    killToStart: ['ctrl+u'],
    killWordBack: ['ctrl+w', 'meta+backspace'],
    clearLine: ['ctrl+c'],
    help: ['f1'],
  },
  plan: {
    focusInput: ['escape', 'tab', 'ctrl+c'],
    approveAll: ['a'],
    approveStep: ['y'],
    rejectStep: ['n'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    prevGoal: ['pageup', '['],
    nextGoal: ['pagedown', ']'],
    rollback: ['r'],
    help: ['?', 'f1'],
    leave: ['q', 'ctrl+d'],
  },
  help: {
    closeHelp: ['escape', '?', 'q', 'return', 'ctrl+c'],
    leave: ['ctrl+d'],
  },
};

export type Resolved = { command: Command } | { command: 'insertText'; text: string };

function find(bindings: Keymap[Scope], key: string): Command | null {
  for (const [command, keys] of Object.entries(bindings) as [Command, readonly string[]][]) {
    if (keys.includes(key)) return command;
  }
  return null;
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
  const scopes: Scope[] = focus === 'input' ? (context.inputEmpty ? ['emptyInput', 'input'] : ['input']) : [focus];
  for (const scope of scopes) {
    const command = key === '' ? null : find(keymap[scope], key);
    if (command !== null) return { command };
  }
  if (focus === 'input' && input !== '') return { command: 'insertText', text: input };
  return null;
}

const NAMES: Record<string, string> = {
  return: 'Enter', escape: 'Esc', tab: 'Tab', backspace: 'BkSp', delete: 'Del',
  home: 'Home', end: 'End', pageup: 'PgUp', pagedown: 'PgDn', left: 'Left', right: 'Right',
  f1: 'F1',
};

/** A key name as a person reads it: 'ctrl+d' → 'Ctrl-D', 'up' → '↑' (or 'Up'). */
export function describeKey(key: string, arrows: { up: string; down: string }): string {
  if (key === 'up') return arrows.up;
  if (key === 'down') return arrows.down;
  const mod = /^(ctrl|meta)\+(.+)$/.exec(key);
  if (mod !== null) {
    const base = mod[2] ?? '';
    const label = NAMES[base] ?? base.toUpperCase();
    return `${mod[1] === 'ctrl' ? 'Ctrl' : 'Alt'}-${label}`;
  }
  return NAMES[key] ?? key;
}
