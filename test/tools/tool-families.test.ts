// The read-only tool families against this machine: each answers with real data (or says
// plainly why it cannot here), and the outbound ones against local servers.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimulation } from '../../src/tools/apt.js';
import { sedRunsOrWrites } from '../../src/policy/code-runners.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { NoServiceManager } from '../../src/tools/service-manager.js';
import { auditSshd } from '../../src/tools/sec-tools.js';
import { context, ok, run, tempDir } from './helpers.js';

describe('fs.stat and fs.search', () => {
  it('describes a link without following it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real'), 'x');
    symlinkSync('real', join(dir, 'link'));
    const r = ok(await run('fs.stat', { path: join(dir, 'link') }));
    expect(r.data).toMatchObject({ type: 'symlink', linkTarget: 'real', resolves: join(dir, 'real') });
  });

  it("finds by name and by content, and never reads a protected file's content", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'listen 80\n');
    writeFileSync(join(dir, 'conf.d', 'b.txt'), 'listen 443\n');
    writeFileSync(join(dir, 'shadow'), 'listen root:$6$hash\n');
    const reg = createBuiltinRegistry({
      timeoutMs: 5000,
      outputCapBytes: 65536,
      isSecret: (p) => p.endsWith('/shadow'),
    });
    const search = reg.get('fs.search');
    if (search === undefined) throw new Error('no fs.search');
    const byName = ok(await search.execute({ path: dir, name: '*.conf' }, context()));
    expect(byName.output).toBe(join(dir, 'conf.d', 'a.conf'));
    const byText = ok(await search.execute({ path: dir, contains: 'listen' }, context()));
    expect(byText.output).toBe(
      `${join(dir, 'conf.d', 'a.conf')}:1: listen 80\n${join(dir, 'conf.d', 'b.txt')}:1: listen 443\n[1 protected file(s) not searched]`,
    );
  });
});

describe('process, hardware and monitoring', () => {
  it('describes this very process', async () => {
    const r = ok(await run('process.info', { pid: process.pid }));
    expect(r.data).toMatchObject({ pid: process.pid, exe: process.execPath });
    expect((await run('process.info', { pid: 4_000_000 })).ok).toBe(false);
  });

  it("reports CPUs, disks, GPUs, memory and the node's metrics", async () => {
    expect(ok(await run('hw.cpu', {})).data).toMatchObject({ threads: expect.any(Number) as unknown });
    expect(ok(await run('hw.disks', {})).output).toBeTruthy();
    expect(ok(await run('hw.gpus', {})).output).toBeTruthy();
    expect(ok(await run('hw.memory', {})).data).toMatchObject({ totalBytes: expect.any(Number) as unknown });
    const m = ok(await run('monitor.metrics', {}));
    expect(m.output).toMatch(/^cpu [\d.]+% busy, load/);
  });

  it('reads the journal where there is one, else files under /var/log, and keeps to /var/log', async () => {
    const r = ok(await run('monitor.logs', { lines: 5 }));
    expect(r.output.length).toBeGreaterThan(0);
    const reg = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
    expect(reg.validate('monitor.logs', { file: '../etc/shadow' }).ok).toBe(false);
    expect(reg.validate('monitor.logs', { file: '/etc/shadow' }).ok).toBe(false);
  });
});

describe('network', () => {
  it('lists interfaces with their addresses, including loopback', async () => {
    const r = ok(await run('net.interfaces', {}));
    expect(r.output).toMatch(/\blo\b/);
  });

  it('tells an open port from a closed one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(ok(await run('net.check_port', { host: '127.0.0.1', port })).data).toMatchObject({ open: true });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(ok(await run('net.check_port', { host: '127.0.0.1', port, timeoutMs: 1000 })).data).toMatchObject({
      open: false,
      why: 'ECONNREFUSED',
    });
  });

  it('resolves names through the system resolver', async () => {
    const r = ok(await run('net.dns_lookup', { name: 'localhost' }));
    expect(r.output).toMatch(/127\.0\.0\.1|::1/);
    expect((await run('net.dns_lookup', { name: 'no-such-host.invalid' })).ok).toBe(false);
  });

  it('makes an HTTP request and caps what it keeps', async () => {
    const server = createHttpServer((req, res) => {
      res.setHeader('x-test', 'yes');
      res.end(req.method === 'HEAD' ? undefined : 'hello from the test server');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = ok(await run('net.http_request', { url: `http://127.0.0.1:${port}/x` }));
      expect(r.output).toMatch(/^HTTP 200 OK/);
      expect(r.output).toContain('x-test: yes');
      expect(r.output).toContain('hello from the test server');
      expect(
        ok(await run('net.http_request', { url: `http://127.0.0.1:${port}/`, method: 'HEAD' })).data,
      ).toMatchObject({ status: 200, bytes: 0 });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const reg = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
    expect(reg.validate('net.http_request', { url: 'file:///etc/shadow' }).ok).toBe(false);
  });
});

describe('security audits', () => {
  it('finds world-writable and setuid files, not sticky shared directories', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'open'), 'x');
    chmodSync(join(dir, 'open'), 0o666);
    writeFileSync(join(dir, 'suid'), 'x');
    chmodSync(join(dir, 'suid'), 0o4755);
    mkdirSync(join(dir, 'tmp'));
    chmodSync(join(dir, 'tmp'), 0o1777);
    const r = ok(await run('sec.file_audit', { path: dir }));
    const findings = (r.data as { findings: { kind: string; path: string }[] }).findings;
    expect(findings.map((f) => `${f.kind} ${f.path}`).sort()).toEqual([
      `setuid ${join(dir, 'suid')}`,
      `world-writable ${join(dir, 'open')}`,
    ]);
  });

  it('reads the sshd configuration as sshd does (first value wins, Match blocks aside)', () => {
    const r = auditSshd(
      '# comment\nPermitRootLogin yes\nPermitRootLogin no\nPasswordAuthentication no\nMatch User x\n  PermitEmptyPasswords yes\n',
    );
    expect(r.findings.map((f) => f.setting)).toEqual(['PermitRootLogin']);
    expect(auditSshd('').findings.map((f) => f.setting)).toEqual(['PasswordAuthentication']);
  });

  it('lists accounts that can log in and uid 0', async () => {
    const r = ok(await run('sec.users', {}));
    expect(r.output).toMatch(/uid 0: root/);
  });
});

describe('services, packages and the firewall say plainly what is possible here', () => {
  it('reports that no service manager is available instead of failing obscurely', async () => {
    const reg = createBuiltinRegistry({
      timeoutMs: 5000,
      outputCapBytes: 65536,
      serviceManager: new NoServiceManager('no service manager is available on this node: systemd is not running'),
    });
    for (const name of ['service.list', 'service.start']) {
      const tool = reg.get(name);
      if (tool === undefined) throw new Error(name);
      expect(await tool.execute({ unit: 'ssh' }, context())).toMatchObject({
        ok: false,
        error: 'no service manager is available on this node: systemd is not running',
      });
      expect((await tool.preview({ unit: 'ssh' })).summary).toMatch(/no service manager is available/);
    }
  });

  it("reads apt's simulated transaction", () => {
    const changes = parseSimulation(
      'Inst libfoo1 [1.0-1] (1.1-1 Debian:12/stable [amd64])\nInst hello (2.10-3 Debian:12.15/oldstable [amd64])\nRemv old-thing [0.9]\nConf hello (2.10-3 Debian [amd64])\n',
    );
    expect(changes).toEqual([
      { action: 'upgrade', name: 'libfoo1', from: '1.0-1', to: '1.1-1', origin: 'Debian:12/stable' },
      { action: 'install', name: 'hello', from: null, to: '2.10-3', origin: 'Debian:12.15/oldstable' },
      { action: 'remove', name: 'old-thing', from: '0.9', to: null },
    ]);
  });

  it('spots the sed commands that run programs or write files', () => {
    expect(sedRunsOrWrites('s/a/b/g')).toBe(false);
    expect(sedRunsOrWrites('s/hello/world/')).toBe(false);
    expect(sedRunsOrWrites('s/a/b/e')).toBe(true);
    expect(sedRunsOrWrites('s/a/b/w /etc/x')).toBe(true);
    expect(sedRunsOrWrites('1e id')).toBe(true);
    expect(sedRunsOrWrites('/x/w out')).toBe(true);
    expect(sedRunsOrWrites('$a\\\nappended text with e and w')).toBe(false);
  });
});
