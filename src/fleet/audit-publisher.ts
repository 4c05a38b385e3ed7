// Sends this node's ledger to the hub's AIOS_AUDIT stream, entry by entry with the chain intact,
// and every signed checkpoint with the public key that checks it: the witness off the node. What
// was acknowledged by the hub is remembered in the state directory as two high-water marks (the
// last entry and the last checkpoint sent), so nothing is sent twice or skipped, however long the
// ledger grows.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { AuditEntry } from '../memory/audit-ledger.js';
import type { Checkpoint } from '../memory/audit-signing.js';
import { subjects } from './subjects.js';

export interface LedgerSource {
  list(o: { limit: number; afterSeq: number }): AuditEntry[];
  /** The checkpoints at `fromSeq` or later, oldest first, one per seq. */
  checkpoints(fromSeq: number): Checkpoint[];
  publicKey(): string | null;
}

/** The newest checkpoint the hub acknowledged: its seq, and `seq:ts` (a checkpoint signed again at that seq differs in ts). */
interface SentCheckpoint {
  seq: number;
  id: string;
}

interface Published {
  entrySeq: number;
  checkpoint: SentCheckpoint | null;
}

const checkpointId = (c: Checkpoint): string => `${c.seq}:${c.ts}`;

/**
 * The state file, or a fresh start. An older node kept the ids of the newest 2,000 checkpoints it
 * sent (and so sent older ones again once it had more); checkpoints go out in seq order, so the
 * newest of those ids is its high-water mark.
 */
function loadPublished(file: string): Published {
  if (!existsSync(file)) return { entrySeq: 0, checkpoint: null };
  const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Published> & { checkpoints?: string[] };
  let checkpoint = v.checkpoint ?? null;
  for (const id of v.checkpoints ?? []) {
    const seq = Number(id.split(':')[0]);
    if (Number.isInteger(seq) && seq >= (checkpoint?.seq ?? 0)) checkpoint = { seq, id };
  }
  return { entrySeq: v.entrySeq ?? 0, checkpoint };
}

export class AuditPublisher {
  private state: Published;
  private busy = false;

  constructor(
    private readonly o: { node: string; ledger: LedgerSource; file: string; js: () => JetStreamClient | null },
  ) {
    this.state = loadPublished(o.file);
  }

  /** The newest ledger entry the hub acknowledged (0: none yet). */
  publishedThrough(): number {
    return this.state.entrySeq;
  }

  /** Publishes what the hub has not acknowledged yet; one run at a time, stops at the first failure. */
  async flush(): Promise<number> {
    const js = this.o.js();
    if (js === null || this.busy) return 0;
    this.busy = true;
    let sent = 0;
    try {
      for (;;) {
        const entries = this.o.ledger.list({ limit: 200, afterSeq: this.state.entrySeq });
        if (entries.length === 0) break;
        for (const e of entries) {
          await js.publish(subjects.audit(this.o.node, 'entry'), JSON.stringify(e), {
            msgID: `${this.o.node}:e:${e.seq}:${e.hash.slice(0, 16)}`,
          });
          this.state.entrySeq = e.seq;
          sent++;
        }
        this.save();
      }
      const publicKey = this.o.ledger.publicKey();
      const last = this.state.checkpoint;
      for (const c of this.o.ledger.checkpoints(last?.seq ?? 0)) {
        const id = checkpointId(c);
        // At the mark's own seq only a checkpoint signed again (a new ts) is new.
        if (last !== null && c.seq === last.seq && id === last.id) continue;
        await js.publish(subjects.audit(this.o.node, 'head'), JSON.stringify({ ...c, publicKey }), {
          msgID: `${this.o.node}:c:${id}`,
        });
        this.state.checkpoint = { seq: c.seq, id };
        sent++;
      }
    } finally {
      // Written only when something went out (a flush runs every second on every node, mostly
      // idle), and also when a publish failed after others went out.
      if (sent > 0) this.save();
      this.busy = false;
    }
    return sent;
  }

  private save(): void {
    writeFileAtomicSync(this.o.file, JSON.stringify(this.state) + '\n', { mode: 0o600 });
  }
}
