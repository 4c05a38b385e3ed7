// Records an escape-hatch session the way sudo records I/O logs: a header (log.json), the
// terminal's output and input byte for byte (ttyout, ttyin), and a timing file whose lines
// are "<event> <seconds since the previous event> <bytes>" (event 3 = input, 4 = output) or
// "5 <seconds> <rows> <cols>" for a resize — enough to replay the session at its own pace.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const TTYIN = 3;
const TTYOUT = 4;
const WINSIZE = 5;

export interface IoLogSummary {
  bytesIn: number;
  bytesOut: number;
  /** sha256 of ttyout and ttyin, written to the ledger so the recording cannot be altered unseen. */
  ttyoutSha256: string;
  ttyinSha256: string;
}

export class IoLog {
  private readonly timing: number;
  private readonly out: number;
  private readonly in: number;
  private last = performance.now();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly outHash: Hash = createHash('sha256');
  private readonly inHash: Hash = createHash('sha256');
  private closed = false;

  constructor(
    readonly dir: string,
    header: Record<string, unknown>,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const meta = openSync(join(dir, 'log.json'), 'wx', 0o600);
    writeSync(meta, `${JSON.stringify(header, null, 2)}\n`);
    closeSync(meta);
    this.timing = openSync(join(dir, 'timing'), 'wx', 0o600);
    this.out = openSync(join(dir, 'ttyout'), 'wx', 0o600);
    this.in = openSync(join(dir, 'ttyin'), 'wx', 0o600);
  }

  output(data: string): void {
    const bytes = this.record(this.out, TTYOUT, data);
    this.bytesOut += bytes.length;
    this.outHash.update(bytes);
  }

  input(data: string): void {
    const bytes = this.record(this.in, TTYIN, data);
    this.bytesIn += bytes.length;
    this.inHash.update(bytes);
  }

  resize(rows: number, cols: number): void {
    if (this.closed) return;
    writeSync(this.timing, `${WINSIZE} ${this.delay()} ${rows} ${cols}\n`);
  }

  close(): IoLogSummary {
    if (!this.closed) {
      this.closed = true;
      for (const fd of [this.timing, this.out, this.in]) closeSync(fd);
    }
    return {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ttyoutSha256: this.outHash.copy().digest('hex'),
      ttyinSha256: this.inHash.copy().digest('hex'),
    };
  }

  private record(fd: number, event: number, data: string): Buffer {
    const bytes = Buffer.from(data, 'utf8');
    if (this.closed || bytes.length === 0) return Buffer.alloc(0);
    writeSync(fd, bytes);
    writeSync(this.timing, `${event} ${this.delay()} ${bytes.length}\n`);
    return bytes;
  }

  private delay(): string {
    const now = performance.now();
    const d = (now - this.last) / 1000;
    this.last = now;
    return d.toFixed(6);
  }
}
