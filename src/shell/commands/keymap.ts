// Key bindings are data: each scope maps commands to key names (as key-decode names them).
// The help view is generated from the same table, so it cannot drift from what keys do.

/** The views the main area can show; `help` lists every key. */
export type ViewName = 'plan' | 'agents' | 'snapshots' | 'audit' | 'memory' | 'monitor' | 'hatch' | 'help';

/** Where the keyboard is: the input line, or the view shown. */
export type Focus = 'input' | ViewName;

/**
 * `emptyInput` bindings win over `input` ones while the input line is empty; `views` holds the
 * keys every view shares (switching views, help, leaving), after the view's own.
 */
export type Scope =
  | 'emptyInput'
  | 'input'
  | 'views'
  | 'plan'
  | 'agents'
  | 'snapshots'
  | 'audit'
  | 'memory'
  | 'monitor'
  | 'help'
  | 'confirm';

export const COMMANDS = {
  submit: 'submit (goal, search, edited arguments)',
  newline: 'new line in the input',
  focusView: 'from the input line to the view',
  cancelInput: 'cancel, or go to the view',
  historyPrev: 'older goal (history) / line up',
  historyNext: 'newer goal (history) / line down',
  cursorLeft: 'cursor left',
  cursorRight: 'cursor right',
  wordLeft: 'word left',
  wordRight: 'word right',
  cursorHome: 'start of line',
  cursorEnd: 'end of line',
  deleteBack: 'delete left',
  deleteForward: 'delete under cursor',
  killToEnd: 'cut to end of line',
  killToStart: 'cut to start of line',
  killWordBack: 'cut previous word',
  killWordForward: 'cut next word',
  yank: 'paste what was cut',
  transpose: 'swap two characters',
  clearLine: 'clear the line',
  focusInput: 'back to the input line',
  viewPlan: 'goals and plans',
  viewAgents: 'agent panes',
  viewSnapshots: 'snapshots',
  viewAudit: 'audit ledger and decisions',
  viewMemory: 'memory search',
  viewMonitor: 'monitor dashboard',
  viewHatch: 'escape hatch (real shell)',
  approveAll: 'approve whole plan',
  approveStep: 'approve selected step',
  rejectStep: 'reject selected step',
  rejectPlan: 'reject whole plan',
  skipStep: 'skip selected step',
  editStep: "edit the step's arguments",
  selectPrev: 'previous item',
  selectNext: 'next item',
  pagePrev: 'page up',
  pageNext: 'page down',
  prevGoal: 'previous goal',
  nextGoal: 'next goal',
  rollback: 'roll back the goal shown (shows what it restores and removes, asks Y)',
  reviseGoal: 'ask for a revised plan for the failed goal shown',
  traceGoal: "this goal's decision trace",
  cancelGoal: 'cancel the goal shown, or yours being planned (asks Y)',
  cancelOrLeave: 'cancel the goal shown (asks Y), else back to the input line',
  panePrev: 'previous pane',
  paneNext: 'next pane',
  paneZoom: 'zoom the pane in or out',
  scrollTop: 'oldest output',
  scrollBottom: 'newest output (follow)',
  search: 'search',
  searchNext: 'next match (older)',
  searchPrev: 'previous match (newer)',
  openItem: 'open the selected item',
  restoreSnapshot: 'restore the snapshot (asks first)',
  refresh: 'load again',
  verifyLedger: 'verify the ledger chain',
  confirm: 'confirm (capital Y)',
  pullModel: 'pull the local model recommended for this node (first run, admins)',
  help: 'show all keys',
  closeHelp: 'close help',
  leave: 'leave the shell',
  quit: 'leave the shell (asks first if a goal of yours is pending)',
} as const;

export type Command = keyof typeof COMMANDS;

export type Keymap = Readonly<Record<Scope, Readonly<Partial<Record<Command, readonly string[]>>>>>;

const VIEW_KEYS = {
  viewPlan: ['1', 'f2'],
  viewAgents: ['2', 'f3'],
  viewSnapshots: ['3', 'f4'],
  viewAudit: ['4', 'f5'],
  viewMemory: ['5', 'f6'],
  viewMonitor: ['6', 'f7'],
  viewHatch: ['7', 'f8'],
} as const;

const FKEYS = {
  viewPlan: ['f2'],
  viewAgents: ['f3'],
  viewSnapshots: ['f4'],
  viewAudit: ['f5'],
  viewMemory: ['f6'],
  viewMonitor: ['f7'],
  viewHatch: ['f8'],
} as const;

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
  plan: {
    approveAll: ['a'],
    approveStep: ['y'],
    rejectStep: ['n'],
    rejectPlan: ['x'],
    skipStep: ['s'],
    editStep: ['e'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    prevGoal: ['pageup', '['],
    nextGoal: ['pagedown', ']'],
    rollback: ['r'],
    traceGoal: ['t'],
    cancelGoal: ['c'],
    cancelOrLeave: ['ctrl+c'],
    reviseGoal: ['v'],
  },
  agents: {
    panePrev: ['left', 'h', 'shift+tab'],
    paneNext: ['right', 'l'],
    paneZoom: ['z', 'return'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    pagePrev: ['pageup', 'b'],
    pageNext: ['pagedown', ' '],
    scrollTop: ['g', 'home'],
    scrollBottom: ['G', 'end'],
    search: ['/'],
    searchNext: ['n'],
    searchPrev: ['N'],
  },
  snapshots: {
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    openItem: ['return', 'd'],
    restoreSnapshot: ['R'],
    refresh: ['r'],
  },
  audit: {
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    pagePrev: ['pageup'],
    pageNext: ['pagedown'],
    openItem: ['return', 't'],
    verifyLedger: ['v'],
    refresh: ['r'],
  },
  memory: {
    search: ['/', 's', 'return'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
  },
  monitor: {
    refresh: ['r'],
  },
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
  if (focus === 'hatch') return ['views'];
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
