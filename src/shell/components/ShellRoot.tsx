// Binds the store to the App: the one place React reads shell state.
import { App } from './App.js';
import type { Keymap } from '../commands/keymap.js';
import type { Action, ShellState } from '../state/shell-state.js';
import type { Store } from '../state/store.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { useStore } from '../state/use-store.js';

export function ShellRoot({
  store,
  caps,
  keymap,
}: {
  store: Store<ShellState, Action>;
  caps: TerminalCaps;
  keymap: Keymap;
}) {
  const state = useStore(store);
  return <App state={state} caps={caps} keymap={keymap} />;
}
