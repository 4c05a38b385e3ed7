// Sends this node's ledger to the hub's AIOS_AUDIT stream, entry by entry with the chain intact,
// and every signed checkpoint with the public key that checks it: the witness off the node. What
// was acknowledged by the hub is remembered in the state directory, so nothing is sent twice or skipped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { AuditEntry } from '../memory/audit-ledger.js';
import type { Checkpoint } from '../memory/audit-signing.js';
import { subjects } from './subjects.js';

export interface LedgerSource {
  list(o: { limit: number; afterSeq: number }): AuditEntry[];
  checkpoints(): Checkpoint[];
  publicKey(): string | null;
}

interface Published {
  entrySeq: number;
  checkpoints: string[];
}

export class AuditPublisher {
  private state: Published;
  private busy = false;

  constructor(
    private readonly o: { node: string; ledger: LedgerSource; file: string; js: () => JetStreamClient | null },
  ) {
    this.state = existsSync(o.file)
      ? (JSON.parse(readFileSync(o.file, 'utf8')) as Published)
      : { entrySeq: 0, checkpoints: [] };
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
      const done = new Set(this.state.checkpoints);
      const publicKey = this.o.ledger.publicKey();
      for (const c of this.o.ledger.checkpoints()) {
        const id = `${c.seq}:${c.ts}`;
        if (done.has(id)) continue;
        await js.publish(subjects.audit(this.o.node, 'head'), JSON.stringify({ ...c, publicKey }), {
          msgID: `${this.o.node}:c:${id}`,
        });
        this.state.checkpoints.push(id);
        sent++;
      }
      // Only the newest few ids are needed to skip what was sent; the rest would only grow the file.
      this.state.checkpoints = this.state.checkpoints.slice(-2000);
      // Written only when something went out: a flush runs every second on every node, mostly idle.
      if (sent > 0) this.save();
    } finally {
      this.busy = false;
    }
    return sent;
  }

  private save(): void {
    writeFileSync(this.o.file, JSON.stringify(this.state) + '\n', { mode: 0o600 });
  }
}
