// Where each key goes. Printable keys that are commands pass the guard (key-guard.ts) and act
// only when they stand alone; every other printable key — one the guard turned away, one that
// is no command of the focused view, a pasted run — is text for the input line, which takes the
// focus, so nothing typed is lost and nothing typed is a command. Non-printable keys act at once.
import type { KeyPress } from '../terminal/key-decode.js';
import { KeyGuard, type GuardClock, type GuardTimes } from './key-guard.js';
import { resolveKey, type Keymap, type Resolved } from './keymap.js';
import { focusedGoal, type Action, type ShellState } from '../state/shell-state.js';
import type { Store } from '../state/store.js';
import { viewRecord } from '../views/registry.js';

export interface KeyRouterDeps {
  store: Store<ShellState, Action>;
  keymap: Keymap;
  run: (resolved: Resolved) => void;
  /** The confirmation key (Y) stood alone while a question was asked. */
  confirmed: () => void;
  times: GuardTimes;
  clock: GuardClock;
  /** Runs a held key's decision, which a timer makes, as a key's own urgent frame. */
  urgently: (fn: () => void) => void;
}

export interface KeyRouter {
  press(key: KeyPress): void;
  configure(times: GuardTimes): void;
  dispose(): void;
}

interface Held {
  key: KeyPress;
  /** The command it would run; null for the confirmation key. */
  resolved: Resolved | null;
}

/** What a command key acts on: the goal and plan shown, its steps' states, the step selected, the question asked, where the focus is. */
function onScreen(s: ShellState): string {
  const g = focusedGoal(s);
  const steps = g?.plan?.steps.map((st) => st.state).join(',') ?? '';
  return [
    s.focus,
    s.view,
    g?.id ?? '',
    g?.state ?? '',
    g?.plan?.hash ?? '',
    steps,
    s.selectedStep,
    s.confirm?.text ?? '',
    s.input.prompt.kind,
    viewRecord(s.view)?.guardKey?.(s.data) ?? '',
  ].join('|');
}

const isPrintable = (k: KeyPress): boolean => k.input !== '' && k.key === k.input;

export function createKeyRouter(deps: KeyRouterDeps): KeyRouter {
  const { store, keymap } = deps;
  const dispatch = (action: Action): void => store.dispatch(action);
  let inPress = false;
  let pasting = false;
  // Decisions made inside a key press render with it; those a timer makes, as their own key's frame.
  const decided = (fn: () => void): void => (inPress ? fn() : deps.urgently(fn));

  /** Text for the input line: a question asked is answered no, and the line takes the focus. */
  const toText = (text: string): void => {
    const state = store.getState();
    if (state.confirm !== null) {
      dispatch({ type: 'confirmCleared' });
      dispatch({
        type: 'flashed',
        flash: { level: 'info', text: 'cancelled: nothing was done; what you typed is on the input line' },
      });
    }
    if (state.focus !== 'input') dispatch({ type: 'focused', focus: 'input' });
    if (text !== '') dispatch({ type: 'edited', edit: { kind: 'insert', text } });
  };

  const guard = new KeyGuard<Held>(deps.times, deps.clock, {
    act: (held) =>
      decided(() => {
        if (held.resolved === null) return deps.confirmed();
        dispatch({ type: 'flashCleared' });
        deps.run(held.resolved);
      }),
    text: (held) => decided(() => toText(held.key.input)),
    armed: (armed) => {
      // Only the plan view shows it; while typing, the flag stays put so the input line's echo stays fast.
      const s = store.getState();
      if (s.guardArmed !== armed && s.focus !== 'input') dispatch({ type: 'guardArmed', armed });
    },
  });

  let shown = onScreen(store.getState());
  const unsubscribe = store.subscribe(() => {
    const now = onScreen(store.getState());
    if (now === shown) return;
    shown = now;
    guard.changed();
  });

  const pressNow = (key: KeyPress): void => {
    // Bracketed paste: whatever comes between the markers is text, never a command.
    if (key.key === 'pastestart' || key.key === 'pasteend') {
      pasting = key.key === 'pastestart';
      return guard.other();
    }
    if (pasting) {
      guard.other();
      const newline = key.key === 'return' || key.key === 'ctrl+j';
      return toText(key.input !== '' ? key.input : newline ? '\n' : '');
    }
    const before = store.getState();
    if (before.confirm !== null) {
      // The question's answer: exactly the confirm key, standing alone, goes ahead.
      if (isPrintable(key) && keymap.confirm.confirm?.includes(key.key) === true)
        return guard.offer({ key, resolved: null });
      guard.other();
      if (key.input !== '') return toText(key.input);
      if (store.getState().confirm === null) return;
      dispatch({ type: 'confirmCleared' });
      return dispatch({ type: 'flashed', flash: { level: 'info', text: 'cancelled: nothing was done' } });
    }
    const asCommand = resolveKey(key.input, key.key, before.focus, { inputEmpty: before.input.text === '' }, keymap);
    if (isPrintable(key) && asCommand !== null && asCommand.command !== 'insertText')
      return guard.offer({ key, resolved: asCommand });
    guard.other();
    // Where the key lands now: a key held before it may just have moved the focus to the input line.
    const state = store.getState();
    // A run of characters at once, or a key that is no command here: typing, for the input line.
    if (key.input !== '' && state.focus !== 'input') return toText(key.input);
    const resolved = resolveKey(key.input, key.key, state.focus, { inputEmpty: state.input.text === '' }, keymap);
    if (resolved === null) return;
    dispatch({ type: 'flashCleared' });
    deps.run(resolved);
  };

  return {
    press: (key) => {
      inPress = true;
      try {
        pressNow(key);
      } finally {
        inPress = false;
      }
    },
    configure: (times) => guard.configure(times),
    dispose: () => {
      unsubscribe();
      guard.dispose();
    },
  };
}
