// Between the store and React: a key's state change renders at once (its frame is marked
// urgent, so the pump writes it straight away), while changes the daemon causes (streamed
// output, events) render at most once per frame interval. A pane streaming 100 lines a second
// thus costs a few layouts a second, and a keystroke never waits behind them. When the frame
// pump is holding frames back (the line's byte budget is spent), background renders wait for
// it too: a frame laid out only to be replaced before it is written is work a key waits on.
import type { Store } from '../state/store.js';

export interface RenderGate<S, A> extends Store<S, A> {
  /**
   * Runs `fn` (key handling); what it changed renders at once, in one urgent render. Unless
   * `echoed` says the key's echo is already on the screen by other means (the fast echo path):
   * then its frame is coalesced with the others, like a change the daemon caused.
   */
  urgently(fn: () => void, echoed?: () => boolean): void;
  /** True once per urgent render: the next frame Ink writes is the answer to a key. */
  takeUrgent(): boolean;
  dispose(): void;
}

export function createRenderGate<S, A>(
  store: Store<S, A>,
  intervalMs: number,
  now = () => performance.now(),
  holdMs: () => number = () => 0,
): RenderGate<S, A> {
  let snapshot = store.getState();
  const listeners = new Set<() => void>();
  let holding = false;
  let urgentFrame = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastAt = -Infinity;

  const fire = (isUrgent: boolean): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const next = store.getState();
    if (next === snapshot) return;
    snapshot = next;
    lastAt = now();
    if (isUrgent) urgentFrame = true;
    for (const l of listeners) l();
  };

  const schedule = (): void => {
    if (timer !== null) return;
    timer = setTimeout(() => fire(false), Math.max(0, lastAt + intervalMs - now(), holdMs()));
  };

  const unsubscribe = store.subscribe(() => {
    if (!holding) schedule();
  });

  return {
    // Before anyone renders, there is nothing to hold back: the latest state is the snapshot.
    getState: () => {
      if (listeners.size === 0) snapshot = store.getState();
      return snapshot;
    },
    dispatch: (action) => store.dispatch(action),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    urgently(fn, echoed) {
      holding = true;
      try {
        fn();
      } finally {
        holding = false;
        if (store.getState() !== snapshot) {
          if (echoed?.() === true) schedule();
          else fire(true);
        }
      }
    },
    takeUrgent() {
      const u = urgentFrame;
      urgentFrame = false;
      return u;
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      unsubscribe();
    },
  };
}
