// The daemon learns who connected from the kernel (SO_PEERCRED), not from the socket's
// file mode or anything the client says. These tests connect as another real uid.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** Runs a tiny raw JSON-RPC client as `uid`, sending each request in turn; returns the answers. */
function asUser(uid: number, socketPath: string, requests: object[]): Record<string, unknown>[] {
  const script = `
    const net = require('node:net');
    const reqs = ${JSON.stringify(requests)};
    const s = net.connect(${JSON.stringify(socketPath)});
    const out = []; let buf = '';
    s.on('connect', () => { s.write(reqs.map((r) => JSON.stringify(r)).join('\\n') + '\\n'); });
    s.on('data', (d) => {
      buf += d; let i;
      while ((i = buf.indexOf('\\n')) >= 0) { out.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
      if (out.length >= reqs.length) s.end();
    });
    s.on('error', (e) => out.push({ connectError: e.code }));
    s.on('close', () => { process.stdout.write(JSON.stringify(out)); });
    setTimeout(() => { s.destroy(); }, 5000).unref();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { uid, gid: uid, encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(r.stderr);
  // Answers may come in any order (JSON-RPC matches them by id): return them in request order.
  const answers = JSON.parse(r.stdout) as Record<string, unknown>[];
  return requests.map((q) => answers.find((a) => a['id'] === (q as { id: unknown }).id) ?? answers.find((a) => a['id'] === null) ?? {});
}

const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 1, client: { name: 'other', version: '0' } } };

let d: TestDaemon | undefined;
afterEach(async () => { await disposeTestDaemon(d); d = undefined; });

describe.skipIf(!isRoot)('peer credentials', () => {
  it('in user mode refuses another uid even when the socket file is world-writable', async () => {
    d = await startTestDaemon();
    chmodSync(d.dir, 0o755);
    chmodSync(d.stateDir, 0o755);
    chmodSync(d.socketPath, 0o666); // the file mode no longer protects it; the daemon must
    const [answer] = asUser(NOBODY, d.socketPath, [init]);
    expect(answer).toMatchObject({ error: { code: -32003 } });
    expect(JSON.stringify(answer)).toMatch(/serves uid 0 only/);
    for (let i = 0; i < 100 && !/refused uid 65534/.test(d.log()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(d.log()).toMatch(/refused uid 65534/);
  });

  it('in system mode knows each client’s real uid and maps it to a role that limits approval', async () => {
    d = await startTestDaemon({ env: { AIOS_MODE: 'system' } });
    chmodSync(d.dir, 0o755);
    chmodSync(d.stateDir, 0o755);
    const answers = asUser(NOBODY, d.socketPath, [
      init,
      { jsonrpc: '2.0', id: 2, method: 'goal/submit', params: { text: '!id' } },
    ]);
    expect(answers[0]).toMatchObject({ result: { user: { uid: NOBODY, name: 'nobody', role: 'operator' }, mode: 'system' } });
    const goal = (answers[1] as { result: { plan: { id: string; hash: string } } }).result;
    const [, decided] = asUser(NOBODY, d.socketPath, [
      init,
      { jsonrpc: '2.0', id: 3, method: 'plan/decide', params: { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' } },
    ]);
    expect(decided).toMatchObject({ error: { code: -32003 } });
    expect(JSON.stringify(decided)).toMatch(/only an admin/);
    // The same approval from root (an admin) goes through.
    const c = await d.client();
    expect((await c.call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' })).state).toBe('running');
    c.close();
  });
});
