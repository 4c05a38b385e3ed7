// No lockout: one account cannot take every connection, admins keep slots of their own, a
// connection that never says initialize is closed, and every refusal leaves a log line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLimits } from '../../src/daemon/connection-limits.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rawConnect } from '../helpers/raw-socket.js';
import { eventually } from '../helpers/until.js';

const cred = (uid: number) => ({ uid, gid: uid, pid: 4242 });

describe('connection caps', () => {
  it('caps each uid, keeps the last slots for admins, and never caps root', () => {
    const log: string[] = [];
    const limits = new ConnectionLimits({ maxClients: 6, maxPerUid: 2, adminReserve: 2, handshakeMs: 1000 }, (l) =>
      log.push(l),
    );
    expect(limits.admit(cred(1000), 'ada', false)).toBeNull();
    expect(limits.admit(cred(1000), 'ada', false)).toBeNull();
    expect(limits.admit(cred(1000), 'ada', false)).toMatch(/ada already has 2 connections.*max_clients_per_uid/);
    expect(limits.admit(cred(1001), 'bob', false)).toBeNull();
    expect(limits.admit(cred(1001), 'bob', false)).toBeNull();
    // Four of six taken: the last two are an admin's.
    expect(limits.admit(cred(1002), 'cy', false)).toMatch(/last 2 are kept for admins/);
    expect(limits.admit(cred(1003), 'eve', true)).toBeNull();
    expect(limits.admit(cred(0), 'root', true)).toBeNull();
    expect(limits.admit(cred(0), 'root', true)).toMatch(/6 connections, its limit/);
    limits.release(1000);
    expect(limits.admit(cred(0), 'root', true)).toBeNull();
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(/refused a connection from ada \(uid 1000, pid 4242\)/);
  });

  it('logs a flood of refusals as one line per account every ten seconds, with how many there were', () => {
    const log: string[] = [];
    const limits = new ConnectionLimits({ maxClients: 100, maxPerUid: 1, adminReserve: 0, handshakeMs: 1000 }, (l) =>
      log.push(l),
    );
    limits.admit(cred(1000), 'ada', false);
    for (let i = 0; i < 499; i++) limits.admit(cred(1000), 'ada', false);
    expect(log).toHaveLength(1);
    limits.note('refused again', 'cap:1000', Date.now() + 11_000);
    expect(log[1]).toMatch(/refused again \(and 498 more like it in the last 1\d s\)/);
  });
});

describe('the handshake deadline', () => {
  let d: TestDaemon | undefined;
  afterEach(async () => {
    await disposeTestDaemon(d);
    d = undefined;
  });

  it('closes a connection that never sends initialize, and logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-handshake-'));
    writeFileSync(join(dir, 'config.toml'), '[daemon]\nhandshake_timeout_ms = 300\n');
    d = await startTestDaemon({ dir });
    const idle = await rawConnect(d.socketPath);
    await idle.closed;
    await eventually(
      () => `the deadline in the log:\n${d?.log() ?? ''}`,
      () => /did not initialize within 300 ms/.test(d?.log() ?? ''),
    );
    // One that does initialize stays.
    const c = await d.client();
    await new Promise((r) => setTimeout(r, 600));
    expect((await c.call('status/get', {})).health).toBeDefined();
    c.close();
  });
});
