// The audit publisher against a real nats-server: what it sent is remembered as high-water marks,
// so a node with thousands of checkpoints sends each once, across restarts, and an older node's
// state file (the newest 2,000 checkpoint ids) carries on where it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { AuditEntry } from '../../src/memory/audit-ledger.js';
import type { Checkpoint } from '../../src/memory/audit-signing.js';
import { AuditPublisher, type LedgerSource } from '../../src/fleet/audit-publisher.js';
import { STREAM_AUDIT, subjects } from '../../src/fleet/subjects.js';
import { natsMissing } from './fleet-fixture.js';
import { startNatsServer, type NatsServer } from './nats-server.js';

const checkpoint = (seq: number, ts = `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`): Checkpoint => ({
  seq,
  hash: seq.toString(16).padStart(64, '0'),
  ts,
  keyId: 'k',
  signature: 'sig',
});

/** A ledger of `n` entries with a checkpoint at each: what a node signing often for a long time has. */
function ledgerOf(n: number): LedgerSource & { checkpointRows: Checkpoint[]; queried: number[] } {
  const entries: AuditEntry[] = Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    ts: '2026-01-01T00:00:00.000Z',
    actor: 'root',
    action: 'test',
    subject: String(i + 1),
    detail: {},
    prevHash: '0'.repeat(64),
    hash: (i + 1).toString(16).padStart(64, '0'),
  }));
  const src = {
    checkpointRows: entries.map((e) => checkpoint(e.seq)),
    queried: [] as number[],
    list: (o: { limit: number; afterSeq: number }) => entries.filter((e) => e.seq > o.afterSeq).slice(0, o.limit),
    checkpoints: (fromSeq: number) => {
      src.queried.push(fromSeq);
      return src.checkpointRows.filter((c) => c.seq >= fromSeq);
    },
    publicKey: () => 'PUBLIC KEY',
  };
  return src;
}

describe.skipIf(natsMissing !== null)('the audit publisher remembers what it sent', () => {
  let nats: NatsServer;
  let jsm: JetStreamManager;
  let dir: string;

  beforeAll(async () => {
    nats = await startNatsServer();
    jsm = await jetstreamManager(nats.nc);
    // A duplicate window of 100 ms, so that anything sent twice shows in the stream, not only in msgID dedup.
    await jsm.streams.add({ name: STREAM_AUDIT, subjects: ['aios.node.*.audit.>'], duplicate_window: 100 * 1e6 });
    dir = mkdtempSync(join(tmpdir(), 'aios-audit-pub-'));
  }, 30_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const heads = async (node: string): Promise<number> =>
    (await jsm.streams.info(STREAM_AUDIT, { subjects_filter: subjects.audit(node, 'head') })).state.subjects?.[
      subjects.audit(node, 'head')
    ] ?? 0;

  const publisher = (node: string, ledger: LedgerSource, file: string) =>
    new AuditPublisher({ node, ledger, file, js: () => jetstream(nats.nc) });

  it('sends each of 2,500 checkpoints once, and none again after a restart', async () => {
    const ledger = ledgerOf(2500);
    const file = join(dir, 'n1.json');
    expect(await publisher('n1', ledger, file).flush()).toBe(5000);
    expect(await heads('n1')).toBe(2500);
    await new Promise((r) => setTimeout(r, 300));
    // The same node after a restart, and again a second later: nothing goes out twice.
    const again = publisher('n1', ledger, file);
    expect(await again.flush()).toBe(0);
    expect(await again.flush()).toBe(0);
    expect(await heads('n1')).toBe(2500);
    // It asks the ledger only for checkpoints from its mark on, not all 2,500 each second.
    expect(ledger.queried.at(-1)).toBe(2500);
    // A new checkpoint, and one signed again at the newest seq (a new ts), both go out.
    ledger.checkpointRows.push(checkpoint(2501));
    expect(await again.flush()).toBe(1);
    ledger.checkpointRows[2500] = checkpoint(2501, '2026-02-02T00:00:00.000Z');
    expect(await again.flush()).toBe(1);
    expect(await heads('n1')).toBe(2502);
  }, 120_000);

  it("carries on from an older node's file of the newest 2,000 checkpoint ids", async () => {
    const ledger = ledgerOf(2500);
    const file = join(dir, 'n2.json');
    const ids = ledger.checkpointRows.slice(-2000).map((c) => `${c.seq}:${c.ts}`);
    writeFileSync(file, JSON.stringify({ entrySeq: 2500, checkpoints: ids }) + '\n');
    const p = publisher('n2', ledger, file);
    expect(await p.flush()).toBe(0);
    expect(await heads('n2')).toBe(0);
    ledger.checkpointRows.push(checkpoint(2501));
    expect(await p.flush()).toBe(1);
    expect(await heads('n2')).toBe(1);
  }, 60_000);
});
