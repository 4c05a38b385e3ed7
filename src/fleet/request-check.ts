// What a node checks before it acts on anything a person sent: the signature, that the key is one
// [fleet] people trusts, that it is meant for this node, that it is fresh, and that its nonce was
// never seen. Nonces are remembered in the state directory for as long as a request stays fresh, so
// a restart does not open a window for replays.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { signatureHolds, type Envelope } from './signing.js';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';

/** Appended lines after which the nonce file is rewritten with the fresh ones only. */
const COMPACT_EVERY = 10_000;

export type Checked = { ok: true; account: string } | { ok: false; why: string };

export class RequestCheck {
  private readonly seen = new Map<string, number>();
  /** The nonce file, open for appending: one write per request rather than an open, write and close. */
  private fd: number | null = null;
  /** Lines appended since the file was last rewritten with only the fresh nonces. */
  private appended = 0;

  constructor(
    private readonly o: {
      node: string;
      people: () => Record<string, string>;
      maxAgeMs: () => number;
      /** JSON lines of {nonce, ts}; null keeps them in memory only (tests, benches). */
      file: string | null;
      now?: () => number;
    },
  ) {
    if (o.file !== null && existsSync(o.file)) {
      for (const line of readFileSync(o.file, 'utf8').split('\n')) {
        try {
          const v = JSON.parse(line) as { nonce: string; ts: number };
          this.seen.set(v.nonce, v.ts);
        } catch {
          /* a line cut short by a crash */
        }
      }
      this.compact(this.now() - o.maxAgeMs());
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  check(e: Envelope<unknown>): Checked {
    if (!signatureHolds(e)) return { ok: false, why: 'its signature does not verify' };
    const account = this.o.people()[e.signer];
    if (account === undefined) return { ok: false, why: `key ${e.signer} is not in this node's [fleet] people` };
    if (e.node !== this.o.node) return { ok: false, why: `it is addressed to node ${e.node}, not ${this.o.node}` };
    const now = this.now();
    const maxAge = this.o.maxAgeMs();
    if (e.ts > now + 30_000) return { ok: false, why: 'it is dated in the future (clocks more than 30 s apart?)' };
    if (now - e.ts > maxAge)
      return {
        ok: false,
        why: `it is ${Math.round((now - e.ts) / 1000)} s old; at most ${maxAge / 1000} s is accepted`,
      };
    if (this.seen.has(e.nonce)) return { ok: false, why: 'it is a replay (its nonce was seen before)' };
    this.remember(e.nonce, e.ts, now - maxAge);
    return { ok: true, account };
  }

  private remember(nonce: string, ts: number, cut: number): void {
    this.seen.set(nonce, ts);
    if (this.o.file !== null) {
      this.fd ??= openSync(this.o.file, 'a', 0o600);
      writeSync(this.fd, JSON.stringify({ nonce, ts }) + '\n');
      // A node that runs for months must not keep every nonce it ever saw on disk.
      if (++this.appended >= COMPACT_EVERY) this.compact(cut);
    }
    if (this.seen.size > COMPACT_EVERY) this.forget(cut);
  }

  /** Drops nonces dated before `cut`: a request that old fails the freshness check anyway. */
  private forget(cut: number): void {
    for (const [n, t] of this.seen) if (t < cut) this.seen.delete(n);
  }

  /** Rewrites the nonce file with the fresh nonces only (atomically: a crash keeps the old file). */
  private compact(cut: number): void {
    if (this.o.file === null) return;
    this.forget(cut);
    const lines = [...this.seen].map(([nonce, ts]) => JSON.stringify({ nonce, ts }) + '\n');
    this.close();
    writeFileAtomicSync(this.o.file, lines.join(''), { mode: 0o600 });
    this.appended = 0;
  }

  /** Closes the nonce file (reopened at the next request). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
