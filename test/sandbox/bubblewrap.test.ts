// Attempts to escape the sandbox, each with a real command: write outside the allowed
// paths, reach the network, keep a child alive after the step, read the secrets file.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSandbox, sandboxArgv, type SandboxPolicy } from '../../src/sandbox/bubblewrap.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = probeSandbox();
const allowed = join(dir, 'allowed');
const state = join(dir, 'state');
const secrets = join(dir, 'secrets.toml');
mkdirSync(allowed);
mkdirSync(state);
writeFileSync(join(state, 'aios.db'), 'ledger');
writeFileSync(secrets, 'anthropic_api_key = "sk-secret"\n');

const policy: SandboxPolicy = {
  writable: [allowed],
  hidden: [
    { path: state, kind: 'dir' },
    { path: secrets, kind: 'file' },
  ],
  network: false,
  cpuSeconds: 5,
  memoryBytes: 512 * 1024 * 1024,
};
function run(script: string, p: SandboxPolicy = policy): { status: number | null; out: string } {
  const [file, ...args] = sandboxArgv(['/bin/sh', '-c', script], p);
  const r = spawnSync(file as string, args, { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!probe.available)('bubblewrap sandbox', () => {
  it('can write only where the plan allows', () => {
    const r = run(`echo ok > ${allowed}/a && echo bad > ${dir}/escaped; echo bad > /etc/aios-escape; true`);
    expect(readFileSync(join(allowed, 'a'), 'utf8')).toBe('ok\n');
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
    expect(existsSync('/etc/aios-escape')).toBe(false);
    expect(r.out).toMatch(/Read-only file system/);
  });

  it('cannot reach the network, not even a port listening on this host', async () => {
    const server = createServer((s) => s.end('hello')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const probeScript = `${process.execPath} -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log('ERR',e.code);process.exit(3)})"`;
    // Node reserves far more address space than it uses: give it room under RLIMIT_AS.
    const inside = run(probeScript, { ...policy, memoryBytes: 16 * 1024 ** 3 });
    expect(inside.out).toMatch(/ERR ECONNREFUSED|ERR ENETUNREACH/);
    expect(inside.out).not.toMatch(/CONNECTED/);
    server.close();
  });

  it('cannot read the secrets file or the aiOS state', () => {
    const r = run(`cat ${secrets}; ls -A ${state}; echo done`);
    expect(r.out).not.toContain('sk-secret');
    expect(r.out).not.toContain('aios.db');
    expect(r.out).toContain('done');
  });

  it('leaves no child running after the step', async () => {
    const marker = join(allowed, 'still-alive');
    const [file, ...args] = sandboxArgv(['/bin/sh', '-c', `(sleep 1; echo late > ${marker}) & echo started`], policy);
    const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(marker)).toBe(false); // the sandbox's PID namespace died with its init
  });

  it('bounds CPU time', () => {
    const r = run('while :; do :; done', { ...policy, cpuSeconds: 1 });
    expect(r.status).not.toBe(0);
  });
});

describe('sandbox probe', () => {
  it('says plainly whether the sandbox can run here', () => {
    expect(typeof probe.available).toBe('boolean');
    expect(probe.reason.length).toBeGreaterThan(0);
  });
});
