// Mounts the Ink app. Loaded after the first frame is on the screen (Ink, React and the layout
// engine take longer to load than Node takes to start). Ink renders into `target`, which
// passes whole frames on; it never writes to the terminal itself.
import { render } from 'ink';
import type { Keymap } from '../commands/keymap.js';
import type { Action, ShellState } from '../state/shell-state.js';
import { ShellRoot } from './ShellRoot.js';
import type { Store } from '../state/store.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface InkMount {
  unmount(): Promise<void>;
}

export function mountInk(
  store: Store<ShellState, Action>,
  caps: TerminalCaps,
  keymap: Keymap,
  target: NodeJS.WriteStream,
  stdin: NodeJS.ReadStream,
): InkMount {
  const instance = render(<ShellRoot store={store} caps={caps} keymap={keymap} />, {
    stdout: target,
    stdin,
    debug: true, // every frame whole, unthrottled, to the target: the frame writer diffs and paces
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const exited = instance.waitUntilExit();
  return {
    async unmount() {
      instance.unmount();
      await exited.catch(() => undefined);
    },
  };
}
