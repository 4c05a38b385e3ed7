// Starts a real aiosd (the built bin/aios.js) in a fresh temp state dir, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { AiosClient } from '../../src/protocol/client.js';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const aiosBin = join(repoRoot, 'bin', 'aios.js');

export interface TestDaemon {
  dir: string;
  stateDir: string;
  socketPath: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  /** What node runs (after its own path); change it before restart() to start something else. */
  argv: string[];
  log: () => string;
  client: (name?: string) => Promise<AiosClient>;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
}

/** Adds a [section] to the test's config unless the test set that section itself. */
function defaultSection(configPath: string, section: string, body: string): void {
  const existing = existsSync(configPath) ? readFileSync(configPath, 'utf8') : '';
  if (new RegExp(`^\\s*\\[${section}\\]`, 'm').test(existing)) return;
  writeFileSync(configPath, `${existing}\n[${section}]\n${body}`);
}

export async function startTestDaemon(
  opts: { env?: NodeJS.ProcessEnv; dir?: string; argv?: string[] } = {},
): Promise<TestDaemon> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'aios-test-'));
  const stateDir = join(dir, 'state');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIOS_STATE_DIR: stateDir,
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
    AIOS_MODE: 'user',
    ...opts.env,
  };
  const socketPath = env['AIOS_SOCKET'] ?? join(stateDir, 'aiosd.sock');
  const configPath = env['AIOS_CONFIG'] ?? join(dir, 'config.toml');
  // The monitor's checks read the real machine: on a busy one (CI, test files in parallel) load and
  // CPU cross their thresholds, and the monitor proposes goals of its own that a test then sees.
  defaultSection(
    configPath,
    'monitor',
    'cpu_pct = false\nmemory_pct = false\ndisk_pct = false\nload_per_core = false\n',
  );
  // Spare files for restores would cost each test daemon thousands of inodes.
  defaultSection(configPath, 'recovery', 'spare_files = 0\n');
  let output = '';
  const argv = opts.argv ?? [aiosBin, 'daemon'];
  const launch = async (args: string[]): Promise<ChildProcess> => {
    const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`aiosd exited with ${proc.exitCode}:\n${output}`);
      try {
        const c = await AiosClient.connect({ socketPath, clientName: 'probe' });
        c.close();
        return proc;
      } catch {
        await sleep(50);
      }
    }
    proc.kill('SIGKILL');
    throw new Error(`aiosd did not come up:\n${output}`);
  };
  const d: TestDaemon = {
    dir,
    stateDir,
    socketPath,
    env,
    argv,
    proc: await launch(argv),
    log: () => output,
    client: (name = 'test') => AiosClient.connect({ socketPath, clientName: name }),
    stop: async () => {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
      const exited = new Promise((r) => d.proc.once('exit', r));
      d.proc.kill('SIGTERM');
      await exited;
    },
    restart: async () => {
      await d.stop();
      d.proc = await launch(d.argv);
    },
  };
  return d;
}

export async function disposeTestDaemon(d: TestDaemon | undefined): Promise<void> {
  if (d === undefined) return;
  await d.stop();
  rmSync(d.dir, { recursive: true, force: true });
}

/**
 * One daemon and one client for all the tests of the enclosing describe block (or file):
 * started before the first, stopped after the last. `use` hands both over. A client a test
 * opens itself (after a restart, say) is closed by the daemon as it stops.
 */
export function daemonForSuite(use: (d: TestDaemon, c: AiosClient) => void): void {
  let daemon: TestDaemon | undefined;
  let client: AiosClient | undefined;
  beforeAll(async () => {
    daemon = await startTestDaemon();
    client = await daemon.client();
    use(daemon, client);
  });
  afterAll(async () => {
    client?.close();
    await disposeTestDaemon(daemon);
  });
}
