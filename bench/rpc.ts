// Socket round trips: aiosd's status/get against a raw Node Unix-socket echo server in a
// child process, both driven by the same newline-framed client loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export async function startEchoServer(socketPath: string): Promise<ChildProcess> {
  const code = `
    const net = require('node:net');
    net.createServer((s) => s.on('data', (d) => s.write(d))).listen(${JSON.stringify(socketPath)}, () => process.stdout.write('ready\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  return child;
}

export class LineClient {
  private buf = '';
  private waiter: ((line: string) => void) | null = null;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      const i = this.buf.indexOf('\n');
      if (i >= 0 && this.waiter !== null) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiter;
        this.waiter = null;
        w(line);
      }
    });
  }

  static async open(path: string): Promise<LineClient> {
    const s = connect(path);
    await new Promise<void>((r, j) => {
      s.once('connect', () => r());
      s.once('error', j);
    });
    return new LineClient(s);
  }

  roundTrip(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write(line + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Microseconds per round trip, `n` sequential calls after `warm` unmeasured ones. */
export async function measureRoundTrips(
  client: LineClient,
  line: () => string,
  n: number,
  warm = 200,
): Promise<number[]> {
  for (let i = 0; i < warm; i++) await client.roundTrip(line());
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await client.roundTrip(line());
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
}
