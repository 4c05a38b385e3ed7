// A fuzzing run against the real daemon: random bytes, random JSON, random params for every
// method. Each answer must be a well-formed JSON-RPC response; the daemon must never crash,
// and a bystander client must be served throughout.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../src/protocol/methods.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { initParams, rawConnect } from '../helpers/raw-socket.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

// Methods whose random params could act on this machine (spawn a shell, submit goals) are
// given only params that fail validation, so the fuzz exercises parsing, not the node.
const SAFE = new Set([
  'status/get',
  'goal/list',
  'goal/get',
  'snapshot/list',
  'audit/verify',
  'memory/search',
  'goal/trace',
  'audit/list',
  'snapshot/get',
]);

function wellFormed(m: Record<string, unknown>): boolean {
  if (m['jsonrpc'] !== '2.0') return false;
  if ('result' in m) return true;
  const e = m['error'] as { code?: unknown; message?: unknown } | undefined;
  return typeof e?.code === 'number' && typeof e.message === 'string' && e.message.length > 0;
}

describe('protocol fuzzing against a live aiosd', () => {
  it('answers random frames with well-formed responses and keeps serving', async () => {
    const c = await rawConnect(d.socketPath);
    await c.request('initialize', initParams);
    const bystander = await d.client('bystander');
    const names = Object.keys(methods);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }).map((s) => s.replace(/\n/g, ' ')),
          fc.json({ maxDepth: 4 }),
          fc
            .record({
              jsonrpc: fc.constant('2.0'),
              id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
              method: fc.constantFrom(...names),
              params: fc.anything({ maxDepth: 3 }),
            })
            .map((r) => JSON.stringify(SAFE.has(r.method) ? r : { ...r, params: 'not an object' })),
        ),
        async (frame) => {
          if (frame.trim() === '') return;
          // Only frames that are requests (an id, a method) get an answer; the rest are notifications to JSON-RPC.
          let expectsAnswer = true;
          try {
            const parsed = JSON.parse(frame) as unknown;
            if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
              const o = parsed as Record<string, unknown>;
              expectsAnswer = !(
                o['jsonrpc'] === '2.0' &&
                typeof o['method'] === 'string' &&
                !('id' in o && (typeof o['id'] === 'string' || typeof o['id'] === 'number'))
              );
            }
          } catch {
            /* invalid JSON is always answered */
          }
          c.send(frame + '\n');
          if (!expectsAnswer) return;
          const answer = await c.next();
          expect(wellFormed(answer)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
    const s = await bystander.call('status/get', {});
    expect(s.health).toBe('ok');
    expect(s.pid).toBe(d.proc.pid);
    bystander.close();
    c.socket.destroy();
  });
});
