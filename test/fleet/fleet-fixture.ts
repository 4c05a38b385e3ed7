// A real hub (aios fleet hub → nats-server) and real aiosd nodes on loopback, joined with real
// creds, and a person with creds and an Ed25519 key the nodes trust. For the fleet's tests and bench.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { until } from '../helpers/until.js';
import { loadOrCreateKey, type SigningKey } from '../../src/fleet/signing.js';

/** Why the fleet's tests cannot run here, or null: they need Debian's nats-server (scripts/install-system-deps.sh). */
export const natsMissing: string | null =
  spawnSync('nats-server', ['--version']).status === 0
    ? null
    : 'nats-server is not installed (scripts/install-system-deps.sh installs it; CI runs that)';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Hub {
  dir: string;
  url: string;
  proc: ChildProcess;
  /** nats-server's pid now (the hub restarts it when it dies). */
  serverPid: () => number;
  log: () => string;
  stop: () => Promise<void>;
}

export async function startHub(dir = mkdtempSync(join(tmpdir(), 'aios-hub-')), env = process.env): Promise<Hub> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, [aiosBin, 'fleet', 'hub', '--dir', dir, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200 && !out.includes('nats://'); i++) {
    if (proc.exitCode !== null) throw new Error(`aios fleet hub exited: ${out}`);
    await sleep(50);
  }
  if (!out.includes('nats://')) throw new Error(`the hub did not come up: ${out}`);
  return {
    dir,
    url: `nats://127.0.0.1:${port}`,
    proc,
    serverPid: () => (JSON.parse(readFileSync(join(dir, 'hub.json'), 'utf8')) as { serverPid: number }).serverPid,
    log: () => out,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function token(hub: Hub, who: '--node' | '--person', name: string): Promise<string> {
  const r = await runCli({ env: process.env }, ['fleet', 'token', '--dir', hub.dir, who, name]);
  if (r.code !== 0) throw new Error(`aios fleet token failed: ${r.stderr}`);
  return r.stdout;
}

export interface Person {
  name: string;
  dir: string;
  credsFile: string;
  keyFile: string;
  key: SigningKey;
  /** The env a CLI run needs to act as this person. */
  env: NodeJS.ProcessEnv;
}

export async function makePerson(hub: Hub, name: string): Promise<Person> {
  const dir = mkdtempSync(join(tmpdir(), `aios-person-${name}-`));
  const credsFile = join(dir, `${name}.creds`);
  writeFileSync(credsFile, await token(hub, '--person', name), { mode: 0o600 });
  const keyFile = join(dir, 'person-key.pem');
  const key = loadOrCreateKey(keyFile);
  return {
    name,
    dir,
    credsFile,
    keyFile,
    key,
    env: { ...process.env, HOME: dir, AIOS_FLEET_HUB: hub.url, AIOS_FLEET_CREDS: credsFile, AIOS_FLEET_KEY: keyFile },
  };
}

/** An aiosd named `name`, trusting `people` (key → account), joined to the hub through the CLI. */
export async function startNode(
  hub: Hub,
  name: string,
  people: Record<string, string>,
  extra = '',
  env: NodeJS.ProcessEnv = {},
): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), `aios-node-${name}-`));
  const peopleToml = Object.entries(people)
    .map(([k, v]) => `"${k}" = "${v}"`)
    .join('\n');
  writeFileSync(join(dir, 'config.toml'), `${extra}\n[fleet]\nnode = "${name}"\n[fleet.people]\n${peopleToml}\n`);
  const d = await startTestDaemon({ dir, env });
  const creds = join(dir, 'node.creds');
  writeFileSync(creds, await token(hub, '--node', name), { mode: 0o600 });
  const r = await runCli(d, ['fleet', 'join', hub.url, '--creds', creds]);
  if (r.code !== 0) throw new Error(`aios fleet join failed: ${r.stderr}${r.stdout}`);
  return d;
}

export async function disposeAll(
  hub: Hub | undefined,
  nodes: (TestDaemon | undefined)[],
  people: Person[],
): Promise<void> {
  for (const n of nodes) await disposeTestDaemon(n);
  await hub?.stop();
  if (hub !== undefined) rmSync(hub.dir, { recursive: true, force: true });
  for (const p of people) rmSync(p.dir, { recursive: true, force: true });
}

/**
 * A console node: an aiosd named `name` that trusts nobody, joined with a person's console creds
 * (aios fleet token --person NAME-console), so its admins start and decide fleet goals from it.
 * Returns the node and its console key, which the nodes it drives map in [fleet.people].
 */
export async function startConsoleNode(
  hub: Hub,
  name: string,
  extra = '',
): Promise<{ node: TestDaemon; consoleKey: string }> {
  const node = await startNode(hub, name, {}, extra);
  const creds = join(node.dir, 'console.creds');
  writeFileSync(creds, await token(hub, '--person', `${name}-console`), { mode: 0o600 });
  const joined = await runCli(node, [
    'fleet',
    'join',
    hub.url,
    '--creds',
    join(node.dir, 'node.creds'),
    '--console-creds',
    creds,
    '--json',
  ]);
  if (joined.code !== 0) throw new Error(`aios fleet join --console-creds failed: ${joined.stderr}${joined.stdout}`);
  return { node, consoleKey: (JSON.parse(joined.stdout) as { consoleKey: string }).consoleKey };
}

/** Waits until `d`'s aiosd lists every one of `names` (fleet/nodes). */
export async function untilListed(d: TestDaemon, names: readonly string[]): Promise<void> {
  const c = await d.client();
  try {
    await until(
      `${names.join(', ')} listed`,
      async () => (await c.call('fleet/nodes', {})).nodes.map((n) => n.node),
      (listed) => names.every((n) => listed.includes(n)),
      20_000,
    );
  } finally {
    c.close();
  }
}
