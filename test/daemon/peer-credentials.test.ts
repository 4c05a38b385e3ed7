// The daemon learns who connected from the kernel (SO_PEERCRED), not from the socket's
// file mode or anything the client says. These tests connect as another real uid.
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { asUser } from '../helpers/as-user.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { createAccount, ROLE_GROUPS, type TestAccount } from '../helpers/system-users.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

const init = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: 1, client: { name: 'other', version: '0' } },
};

let d: TestDaemon | undefined;
const accounts: TestAccount[] = [];
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
  for (const a of accounts.splice(0)) a.remove();
});

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
    const ada = createAccount('aa', ['aios-operator']);
    accounts.push(ada);
    expect(ROLE_GROUPS).toContain('aios-operator');
    const answers = asUser(ada.uid, d.socketPath, [
      init,
      { jsonrpc: '2.0', id: 2, method: 'goal/submit', params: { text: '!id' } },
    ]);
    expect(answers[0]).toMatchObject({
      result: { user: { uid: ada.uid, name: ada.name, role: 'operator' }, mode: 'system' },
    });
    const goal = (answers[1] as { result: { plan: { id: string; hash: string } } }).result;
    const [, decided] = asUser(ada.uid, d.socketPath, [
      init,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'plan/decide',
        params: { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' },
      },
    ]);
    expect(decided).toMatchObject({ error: { code: -32003 } });
    expect(JSON.stringify(decided)).toMatch(/only an admin/);
    // The same approval from root (an admin) goes through.
    const c = await d.client();
    expect(
      (await c.call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' })).state,
    ).toBe('running');
    c.close();
  });
});
