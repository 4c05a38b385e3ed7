// Keeps the shell connected to aiosd: connect, subscribe, load the goals; when the daemon is
// unreachable or goes away, say so and try again with backoff. It never runs anything itself.
import { within } from '../../async/within.js';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import type { Connect, ShellClient } from './client-port.js';
import type { DaemonEvent } from '../../protocol/events.js';
import { eventAction } from './event-actions.js';
import { noteOutput } from '../terminal/heap-flags.js';
import type { Action } from '../state/shell-state.js';
import { statusExtras } from '../state/status-extras.js';

export interface Link {
  start(): void;
  stop(): void;
  /** The live client, or null while (re)connecting. */
  client(): ShellClient | null;
}

export interface LinkDeps {
  connect: Connect;
  dispatch: (action: Action) => void;
  /** Seconds to wait before attempt n+1 after n failures in a row. */
  backoffS?: (failures: number) => number;
  /** Every event, after its action (if any) was dispatched: the hatch reads its output here. */
  onEvent?: (event: DaemonEvent) => void;
  /** Once a connection is set up (first time and after every reconnect). */
  onConnected?: (client: ShellClient) => void;
  setupDeadlineMs?: number;
  /** aiosd refused this account (no role, no account): the session ends with its message; no retry. */
  onRefused?: (message: string) => void;
}

/**
 * How long connecting, the handshake, the subscription and the first loads may take in all. A
 * daemon that accepts the connection but never answers (stalled on a disk, say) would otherwise
 * leave "connecting…" on the screen for good; past this the shell says so and tries again.
 */
export const SETUP_DEADLINE_MS = 15_000;

export const noAnswerIn = (ms: number): string =>
  `aiosd did not answer within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`;

export const defaultBackoffS = (failures: number): number => Math.min(15, 2 ** Math.max(0, failures - 1));

/** aiosd's refusal of this account at initialize (it says which groups grant a role), or null. */
export function refusalOf(error: unknown): string | null {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e !== null && typeof e === 'object' && e.code === ErrorCode.Unauthorized && typeof e.message === 'string'
    ? e.message
    : null;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createLink({
  connect,
  dispatch,
  backoffS = defaultBackoffS,
  onEvent,
  onConnected,
  setupDeadlineMs = SETUP_DEADLINE_MS,
  onRefused,
}: LinkDeps): Link {
  let live: ShellClient | null = null;
  let stopped = true;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const countdown = (remaining: number): void => {
    timer = setTimeout(() => {
      timer = null;
      if (remaining <= 1) void attempt();
      else {
        dispatch({ type: 'retryTicked', retryInS: remaining - 1 });
        countdown(remaining - 1);
      }
    }, 1000);
  };

  const retry = (reason: string): void => {
    if (stopped) return;
    failures += 1;
    const wait = Math.max(1, Math.round(backoffS(failures)));
    dispatch({ type: 'disconnected', reason, retryInS: wait });
    countdown(wait);
  };

  const setUp = async (client: ShellClient, abandoned: () => boolean): Promise<void> => {
    client.onEvent((event) => {
      if (live !== client) return;
      if (event.type === 'step.output') noteOutput(event.chunk.length);
      const action = eventAction(event) as Action | null | undefined; // a newer daemon may send more types
      if (action !== null && action !== undefined) dispatch(action);
      onEvent?.(event);
    });
    client.onClose((reason) => {
      if (live !== client) return;
      live = null;
      retry(`aiosd went away: ${reason}`);
    });
    await client.call('events/subscribe', {});
    const [list, status] = await Promise.all([client.call('goal/list', { limit: 100 }), client.call('status/get', {})]);
    if (abandoned()) return;
    const hello = client.initialized;
    const user = hello?.user ?? status.user;
    live = client;
    failures = 0;
    dispatch({
      type: 'connected',
      session: { user: user.name, role: user.role, node: hello?.node ?? status.node, mode: hello?.mode ?? status.mode },
    });
    dispatch({ type: 'goalsLoaded', goals: list.goals });
    dispatch({
      type: 'statusLoaded',
      health: { health: status.health, problems: status.problems },
      extras: statusExtras(status),
    });
    // A failed update of aiOS is said at login: the node runs the old slot, and nobody asked it to.
    if (status.updateNotice !== undefined)
      dispatch({ type: 'flashed', flash: { level: 'warning', text: status.updateNotice } });
    onConnected?.(client);
  };

  const attempt = async (): Promise<void> => {
    if (stopped) return;
    dispatch({ type: 'connecting' });
    const deadline = Date.now() + setupDeadlineMs;
    const noAnswer = noAnswerIn(setupDeadlineMs);
    let client: ShellClient;
    try {
      client = await within(connect(), setupDeadlineMs, noAnswer, (late) => late.close());
    } catch (error) {
      const refused = refusalOf(error);
      if (refused !== null && onRefused !== undefined) {
        stopped = true;
        onRefused(refused);
        return;
      }
      retry(messageOf(error));
      return;
    }
    if (stopped) {
      client.close();
      return;
    }
    let expired = false;
    try {
      await within(
        setUp(client, () => expired),
        Math.max(1, deadline - Date.now()),
        noAnswer,
        () => undefined,
      ).catch((error: unknown) => {
        expired = true;
        throw error;
      });
      if (stopped && live === client) {
        live = null;
        client.close();
      }
    } catch (error) {
      live = null;
      client.close();
      retry(messageOf(error));
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void attempt();
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const client = live;
      live = null;
      client?.close();
    },
    client: () => live,
  };
}
