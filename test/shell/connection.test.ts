// The shell's link to aiosd when the daemon accepts a connection but never answers: it must not
// show "connecting…" for ever, but say so and try again, and then connect once aiosd answers.
import { describe, expect, it } from 'vitest';
import { createLink } from '../../src/shell/commands/connection.js';
import type { Action } from '../../src/shell/state/shell-state.js';
import { FakeClient } from './fake-client.js';

const until = async (what: string, check: () => boolean): Promise<void> => {
  for (const deadline = Date.now() + 5_000; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the link to aiosd', () => {
  it('gives up on a daemon that never answers the subscription, says why, and connects on the next try', async () => {
    const stalled = new FakeClient({ 'events/subscribe': () => new Promise(() => undefined) });
    const healthy = new FakeClient();
    const clients = [stalled, healthy];
    const actions: Action[] = [];
    const link = createLink({
      connect: () => Promise.resolve(clients.shift() as FakeClient),
      dispatch: (a) => actions.push(a),
      backoffS: () => 1,
      setupDeadlineMs: 100,
    });
    link.start();
    await until('the stall to be noticed', () => actions.some((a) => a.type === 'disconnected'));
    expect(actions.find((a) => a.type === 'disconnected')).toMatchObject({
      reason: 'aiosd did not answer within 100 ms',
      retryInS: 1,
    });
    expect(stalled.closed).toBe(true);
    expect(link.client()).toBeNull();
    await until('the retry to connect', () => link.client() === healthy);
    expect(actions.filter((a) => a.type === 'connected')).toHaveLength(1);
    link.stop();
  });

  it('closes a connection whose handshake comes back only after the deadline', async () => {
    const late = new FakeClient();
    let resolveLate: (c: FakeClient) => void = () => undefined;
    const actions: Action[] = [];
    const link = createLink({
      connect: () =>
        new Promise<FakeClient>((r) => {
          resolveLate = r;
        }),
      dispatch: (a) => actions.push(a),
      backoffS: () => 30,
      setupDeadlineMs: 50,
    });
    link.start();
    await until('the deadline', () => actions.some((a) => a.type === 'disconnected'));
    resolveLate(late);
    await until('the late connection to be closed', () => late.closed);
    expect(link.client()).toBeNull();
    link.stop();
  });

  it('ends the session, without retrying, when aiosd refuses the account', async () => {
    const actions: Action[] = [];
    const refusals: string[] = [];
    let dials = 0;
    const refusal = Object.assign(new Error('ada has no aiOS role: ask an aiOS admin'), { code: -32003 });
    const link = createLink({
      connect: () => {
        dials++;
        return Promise.reject(refusal);
      },
      dispatch: (a) => actions.push(a),
      backoffS: () => 1,
      onRefused: (message) => refusals.push(message),
    });
    link.start();
    await until('the refusal', () => refusals.length > 0);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(refusals).toEqual(['ada has no aiOS role: ask an aiOS admin']);
    expect(dials).toBe(1);
    expect(actions.some((a) => a.type === 'disconnected')).toBe(false);
    link.stop();
  });
});
