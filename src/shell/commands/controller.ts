// Turns key presses into commands and commands into daemon calls or state changes.
// It decides nothing the daemon decides (policy, roles): it only refuses what would surely be
// refused and says why, and shows every failure as a flash line.
import { decideGroup } from './fleet-group-commands.js';
import type { Connect, ShellClient } from './client-port.js';
import type { CommandContext } from './command-context.js';
import { createLink, messageOf, type Link } from './connection.js';
import { HatchSession } from './hatch-session.js';
import type { KeyPress } from '../terminal/key-decode.js';
import { DEFAULT_KEYMAP, type Command, type Keymap, type Resolved } from './keymap.js';
import { regions } from '../rows/layout.js';
import type { LineEdit } from '../state/line-edit.js';
import { askCancel, askLeave, askRollback, cancelGoal, goalToCancel, rollback } from './brake-commands.js';
import { NO_GUARD, realClock, type GuardClock, type GuardTimes } from './key-guard.js';
import { createKeyRouter } from './key-router.js';
import { askPull, pull } from './pull-commands.js';
import { decide, revise, startEdit, submitApproval, submitEdit } from './plan-commands.js';
import { type Action, type Flash, type MainView, type ShellState, type StatusExtras } from '../state/shell-state.js';
import { statusExtras } from '../state/status-extras.js';
import type { Store } from '../state/store.js';
import { askRestore, loadView, openSnapshot, openTrace, restore, searchMemory, verifyLedger } from './view-commands.js';
import { viewOfCommand, viewRecord } from '../views/registry.js';

export { VIEWER_REFUSAL } from './plan-commands.js';

export interface Controller {
  /** Starts connecting (and reconnecting) to aiosd. */
  start(): void;
  stop(): void;
  press(key: KeyPress): void;
  run(resolved: Resolved): void;
  /** Leaves at once, asking nothing (the terminal closed). */
  leave(code: number): void;
  /** Raw keys for the escape hatch's shell. */
  hatchInput(data: string): void;
  /** The link to the daemon, for tests and the composition root. */
  readonly link: Link;
}

export interface ControllerDeps {
  store: Store<ShellState, Action>;
  connect: Connect;
  /** Called once when the person leaves, with the exit code. */
  onLeave: (code: number) => void;
  /** aiosd refused this account: told before the session ends (exit code 1). */
  onRefused?: (message: string) => void;
  keymap?: Keymap;
  backoffS?: (failures: number) => number;
  /** Where each goal is appended, for the history of the next session. */
  remember?: (text: string) => void;
  /** TERM for the escape hatch's shell. */
  term?: string;
  /** Milliseconds between monitor samples and between status refreshes. */
  metricsEveryMs?: number;
  statusEveryMs?: number;
  /**
   * The key guard's timings (key-guard.ts); absent: no guard, every key acts at once. `fixed`:
   * they stay as given, else the daemon's [shell] settings replace them once status/get says them.
   */
  guard?: GuardTimes & { fixed?: boolean; clock?: GuardClock };
  /** Runs key handling that a timer started (a key the guard held) as a key's own frame. */
  urgently?: (fn: () => void) => void;
}

const EDITS = {
  cursorLeft: { kind: 'left' },
  cursorRight: { kind: 'right' },
  wordLeft: { kind: 'wordLeft' },
  wordRight: { kind: 'wordRight' },
  cursorHome: { kind: 'home' },
  cursorEnd: { kind: 'end' },
  deleteBack: { kind: 'deleteBack' },
  deleteForward: { kind: 'deleteForward' },
  killToEnd: { kind: 'killToEnd' },
  killToStart: { kind: 'killToStart' },
  killWordBack: { kind: 'killWordBack' },
  killWordForward: { kind: 'killWordForward' },
  transpose: { kind: 'transpose' },
  clearLine: { kind: 'clear' },
  newline: { kind: 'insert', text: '\n' },
} as const satisfies Partial<Record<Command, LineEdit>>;

export function createController(deps: ControllerDeps): Controller {
  const { store } = deps;
  const keymap = deps.keymap ?? DEFAULT_KEYMAP;
  const dispatch = (action: Action): void => store.dispatch(action);
  const flash = (level: Flash['level'], text: string): void => dispatch({ type: 'flashed', flash: { level, text } });
  let left = false;
  let flushing = false;
  const timers: ReturnType<typeof setInterval>[] = [];

  const ctx: CommandContext = {
    store,
    dispatch,
    flash,
    client: () => {
      const c = link.client();
      if (c === null) flash('error', 'not connected to aiosd — the shell keeps retrying; try again once it is back');
      return c;
    },
  };
  const hatch = new HatchSession(ctx, deps.term ?? 'xterm-256color');

  /** Goals typed while aiosd was away go out in order once it is back; the last one is shown. */
  const flushQueue = (c: ShellClient): void => {
    if (flushing) return;
    const next = store.getState().queued[0];
    if (next === undefined) return;
    flushing = true;
    c.call('goal/submit', { text: next })
      .then(
        (goal) => {
          flushing = false;
          const last = store.getState().queued.length === 0;
          dispatch({ type: 'goalUpdated', goal, focus: last });
          if (last) flash('info', `sent the goal${goal.text === next ? '' : 's'} queued while aiosd was away`);
          if (link.client() === c) flushQueue(c);
        },
        (error: unknown) => {
          flushing = false;
          dispatch({ type: 'goalRequeued', text: next });
          flash('error', `a queued goal was not accepted and stays queued: ${messageOf(error)}`);
        },
      )
      .catch(() => undefined);
    // Sent: no longer waiting (the daemon now shows it as planning); back in the queue if refused.
    dispatch({ type: 'queueTaken', count: 1 });
  };

  const link: Link = createLink({
    connect: deps.connect,
    dispatch,
    ...(deps.backoffS ? { backoffS: deps.backoffS } : {}),
    // No role, no fallback shell: the login ends, saying who can grant one.
    onRefused: (message) => {
      deps.onRefused?.(message);
      leave(1);
    },
    onEvent: (event) => {
      hatch.onEvent(event);
      // A goal whose planning ended may have found a tier down (a crash, a budget spent, a provider
      // asking to wait): the status bar shows the tiers as they are now, not as at connect.
      if (event.type === 'goal.updated' && event.goal.state !== 'planning' && event.goal.state !== 'running')
        refreshStatus();
    },
    onConnected: (c) => {
      flushQueue(c);
      loadView(ctx, store.getState().view);
      offerFirstRun(c);
    },
  });

  // Whether only the built-in rules can plan: then the first screen offers the three ways on.
  const offerFirstRun = (c: ShellClient): void => {
    c.call('models/recommend', {})
      .then((recommendation) => dispatch({ type: 'firstRunLoaded', recommendation }))
      .catch(() => undefined);
  };
  // One status/get at a time: a burst of finished goals asks once, and once more after it if asked meanwhile.
  let statusAsked: 'no' | 'yes' | 'again' = 'no';
  const refreshStatus = (): void => {
    const c = store.getState().connection.kind === 'connected' ? link.client() : null;
    if (c === null) return;
    if (statusAsked !== 'no') {
      statusAsked = 'again';
      return;
    }
    statusAsked = 'yes';
    c.call('status/get', {})
      .then(
        (status) => {
          const { health, extras } = store.getState();
          const now = statusExtras(status);
          if (
            health === null ||
            health.health !== status.health ||
            health.problems.join() !== status.problems.join() ||
            JSON.stringify(now) !== JSON.stringify(extras)
          ) {
            dispatch({
              type: 'statusLoaded',
              health: { health: status.health, problems: status.problems },
              extras: now,
            });
          }
        },
        () => undefined,
      )
      .catch(() => undefined)
      .finally(() => {
        const again = statusAsked === 'again';
        statusAsked = 'no';
        if (again) refreshStatus();
      });
  };

  const submit = (): void => {
    const state = store.getState();
    const text = state.input.text.trim();
    const prompt = state.input.prompt;
    switch (prompt.kind) {
      case 'args':
        return submitEdit(ctx, prompt, state.input.text);
      case 'approve':
        return submitApproval(ctx, prompt, state.input.text);
      case 'search':
        dispatch({ type: 'promptClosed' });
        dispatch({ type: 'viewShown', view: 'agents' });
        return dispatch({ type: 'paneSearched', query: text, direction: -1, again: false });
      case 'memory':
        dispatch({ type: 'promptClosed' });
        return searchMemory(ctx, text);
      case 'goal':
        break;
    }
    if (text === '') return;
    deps.remember?.(text);
    const c = link.client();
    if (c === null) {
      dispatch({ type: 'goalQueued', text });
      return flash(
        'warning',
        `aiosd is unreachable: the goal is queued (${store.getState().queued.length}) and will be sent when it is back`,
      );
    }
    dispatch({ type: 'goalSubmitting', text });
    c.call('goal/submit', { text })
      .then(
        (goal) => dispatch({ type: 'goalUpdated', goal, focus: true }),
        (error: unknown) => dispatch({ type: 'submitFailed', text, message: messageOf(error) }),
      )
      .catch(() => undefined);
  };

  const hatchSize = (): { cols: number; rows: number } => {
    const s = store.getState();
    const area = regions(s.size, { feed: 0, flash: false, help: false });
    return { cols: area.width, rows: Math.max(2, area.main - 1) };
  };

  const showView = (view: MainView): void => {
    dispatch({ type: 'viewShown', view });
    if (view === 'hatch') {
      const h = store.getState().hatch;
      if (h === null || h.ended !== null) {
        const { cols, rows } = hatchSize();
        hatch.open(cols, rows);
      }
      return;
    }
    loadView(ctx, view);
  };

  const escapeInput = (): void => {
    const state = store.getState();
    if (state.input.prompt.kind !== 'goal') {
      dispatch({ type: 'promptClosed' });
      return flash('info', 'cancelled');
    }
    if (state.view === 'plan' && state.focusedGoalId === null && state.submitting === null) return;
    dispatch({ type: 'focused', focus: state.view });
  };

  const moveSelection = (delta: number): void => {
    const state = store.getState();
    if (state.focus === 'help') return dispatch({ type: 'listMoved', list: 'help', delta });
    if (state.focus === 'input') return;
    const move = viewRecord(state.focus)?.move?.(delta, state.data) ?? null;
    if (move !== null) dispatch(move);
  };

  const leave = (code: number): void => {
    if (left) return;
    left = true;
    if (hatch.openId !== null) hatch.close();
    dispatch({ type: 'left', code });
    deps.onLeave(code);
  };

  const confirmed = (): void => {
    const confirm = store.getState().confirm;
    dispatch({ type: 'confirmCleared' });
    if (confirm === null) return;
    switch (confirm.kind) {
      case 'restore':
        return restore(ctx, confirm.snapshotId);
      case 'rollback':
        return rollback(ctx, confirm.goalId);
      case 'cancel':
        return cancelGoal(ctx, confirm.goalId);
      case 'leave':
        return leave(0);
      case 'pull':
        return pull(ctx, confirm.uri, confirm.tier, () => {
          const c = link.client();
          if (c !== null) offerFirstRun(c);
          refreshStatus();
        });
    }
  };

  const run = (resolved: Resolved): void => {
    const command = resolved.command;
    if (command === 'insertText') return dispatch({ type: 'edited', edit: { kind: 'insert', text: resolved.text } });
    if (command in EDITS) return dispatch({ type: 'edited', edit: EDITS[command as keyof typeof EDITS] });
    const view = viewOfCommand(command);
    if (view !== null) return showView(view);
    const pageRows = Math.max(1, store.getState().size.rows - 6);
    switch (command) {
      case 'yank':
        return dispatch({ type: 'edited', edit: { kind: 'yank' } });
      case 'historyPrev':
        return dispatch({ type: 'historyMoved', delta: -1 });
      case 'historyNext':
        return dispatch({ type: 'historyMoved', delta: 1 });
      case 'submit':
        return submit();
      case 'focusView':
        return dispatch({ type: 'focused', focus: store.getState().view });
      case 'cancelInput':
        return escapeInput();
      case 'focusInput':
        return dispatch({ type: 'focused', focus: 'input' });
      case 'approveAll':
        return decide(ctx, 'approve', 'plan');
      case 'approveStep':
        return decide(ctx, 'approve', 'step');
      case 'rejectStep':
        return decide(ctx, 'reject', 'step');
      case 'rejectPlan':
        return decide(ctx, 'reject', 'plan');
      case 'skipStep':
        return decide(ctx, 'skip', 'step');
      case 'editStep':
        return startEdit(ctx);
      case 'approveGroup':
        return decideGroup(ctx, 'approve');
      case 'rejectGroup':
        return decideGroup(ctx, 'reject');
      case 'selectPrev':
        return moveSelection(-1);
      case 'selectNext':
        return moveSelection(1);
      case 'pagePrev':
        return moveSelection(-pageRows);
      case 'pageNext':
        return moveSelection(pageRows);
      case 'prevGoal':
        return dispatch({ type: 'goalShown', delta: -1 });
      case 'nextGoal':
        return dispatch({ type: 'goalShown', delta: 1 });
      case 'rollback':
        return askRollback(ctx);
      case 'reviseGoal':
        return revise(ctx);
      case 'traceGoal':
        return openTrace(ctx, 'plan');
      case 'cancelGoal':
        return askCancel(ctx);
      case 'cancelOrLeave':
        // Ctrl-C in the plan view keeps its old meaning unless there is a goal to stop.
        return goalToCancel(store.getState()) === null ? dispatch({ type: 'focused', focus: 'input' }) : askCancel(ctx);
      case 'panePrev':
        return dispatch({ type: 'paneFocused', delta: -1 });
      case 'paneNext':
        return dispatch({ type: 'paneFocused', delta: 1 });
      case 'paneZoom':
        return dispatch({ type: 'paneZoomed' });
      case 'scrollTop':
        return dispatch({ type: 'paneScrolled', by: 'top' });
      case 'scrollBottom':
        return dispatch({ type: 'paneScrolled', by: 'bottom' });
      case 'search': {
        const state = store.getState();
        if (state.focus === 'memory')
          return dispatch({ type: 'promptOpened', prompt: { kind: 'memory' }, text: state.data.memoryQuery });
        const agent = state.panes.focused;
        if (agent === null) return flash('info', 'no pane to search yet');
        return dispatch({
          type: 'promptOpened',
          prompt: { kind: 'search', agent },
          text: state.panes.byAgent[agent]?.search?.query ?? '',
        });
      }
      case 'searchNext':
      case 'searchPrev': {
        const query = store.getState().panes.byAgent[store.getState().panes.focused ?? '']?.search?.query ?? '';
        if (query === '') return flash('info', 'search first with /');
        return dispatch({ type: 'paneSearched', query, direction: command === 'searchNext' ? -1 : 1, again: true });
      }
      case 'openItem':
        return store.getState().focus === 'snapshots' ? openSnapshot(ctx) : openTrace(ctx, 'audit');
      case 'restoreSnapshot':
        return askRestore(ctx);
      case 'refresh':
        return loadView(ctx, store.getState().view);
      case 'verifyLedger':
        return verifyLedger(ctx);
      case 'confirm':
        return confirmed();
      case 'pullModel':
        return askPull(ctx);
      case 'help':
        return dispatch({ type: 'helpOpened' });
      case 'closeHelp':
        return dispatch({ type: 'helpClosed' });
      case 'leave':
        return leave(0);
      case 'quit':
        return askLeave(ctx, () => leave(0));
      default:
        return;
    }
  };

  const router = createKeyRouter({
    store,
    keymap,
    run,
    confirmed,
    times: deps.guard ?? NO_GUARD,
    clock: deps.guard?.clock ?? realClock,
    urgently: deps.urgently ?? ((fn) => fn()),
  });

  let lastConnected = false;
  let running = false;
  let metricsTimer: ReturnType<typeof setInterval> | null = null;
  let polledView: MainView | null = null;
  let guardFromDaemon: StatusExtras['guard'] = null;
  const unsubscribe = store.subscribe(() => {
    const s = store.getState();
    // aiosd's [shell] guard_ms and burst_ms, unless this shell was given its own.
    if (s.extras.guard !== guardFromDaemon) {
      guardFromDaemon = s.extras.guard;
      if (guardFromDaemon !== null && deps.guard !== undefined && deps.guard.fixed !== true)
        router.configure(guardFromDaemon);
    }
    // The hatch pane follows the terminal's size; the shell in it ends with the connection.
    if (s.view === 'hatch' && hatch.openId !== null) {
      const { cols, rows } = hatchSize();
      hatch.resize(cols, rows);
    }
    const connected = s.connection.kind === 'connected';
    if (lastConnected && !connected) hatch.lost();
    lastConnected = connected;
    // A polled view (the monitor's samples) loads again only while it is on screen: nothing
    // ticks while idle elsewhere.
    const polled = viewRecord(s.view)?.poll === true ? s.view : null;
    if (polledView !== polled && metricsTimer !== null) {
      clearInterval(metricsTimer);
      metricsTimer = null;
    }
    polledView = polled;
    if (running && polled !== null && metricsTimer === null)
      metricsTimer = setInterval(() => loadView(ctx, polled, true), deps.metricsEveryMs ?? 1000);
  });

  return {
    start: () => {
      running = true;
      link.start();
      timers.push(setInterval(refreshStatus, deps.statusEveryMs ?? 30_000));
      for (const t of timers) t.unref?.();
    },
    stop: () => {
      running = false;
      for (const t of timers.splice(0)) clearInterval(t);
      if (metricsTimer !== null) clearInterval(metricsTimer);
      metricsTimer = null;
      unsubscribe();
      router.dispose();
      link.stop();
    },
    press: (key) => router.press(key),
    run,
    leave,
    hatchInput: (data) => hatch.input(data),
    link,
  };
}
