// `aios tool`, `aios tools`, `aios snapshot create`, `aios restore` and `aios audit export`
// against a real daemon: one tool as a one-step plan through the same schema check, policy,
// preview, approval and audit as any plan.
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointMessage, type Checkpoint } from '../../src/memory/audit-signing.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const exec = promisify(execFile);
let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

async function aios(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [aiosBin, ...args], { env: d.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('aios tool', () => {
  it('runs fs.chmod with an octal mode string as a one-step direct plan', async () => {
    const file = join(d.dir, 'motd');
    writeFileSync(file, 'hello\n');
    chmodSync(file, 0o644);
    const args = JSON.stringify({ path: file, mode: '600' });
    const shown = await aios('tool', 'fs.chmod', '--args', args);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\(direct tier\)/);
    expect(shown.stdout).toContain(`chmod ${file}: 644 → 600`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const ran = await aios('tool', 'fs.chmod', '--args', args, '--yes', '--json');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      state: 'succeeded',
      plan: { tier: 'direct', steps: [{ tool: 'fs.chmod', agent: 'storage' }] },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('says what is wrong with the arguments, and what to write instead', async () => {
    const bad = await aios('tool', 'fs.write', '--args', '{path: x}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--args is not valid JSON .*; write an object, e.g. --args '\{"path":"\/etc\/motd","mode":"600"\}'/,
    );
    const schema = await aios('tool', 'fs.chmod', '--args', JSON.stringify({ path: '/etc/motd', mode: 'rw-r--r--' }));
    expect(schema.code).toBe(1);
    expect(schema.stderr).toMatch(/fs.chmod: mode: must be an octal mode such as "644" or "0755"/);
    const unknown = await aios('tool', 'fs.nuke', '--args', '{}');
    expect(unknown.stderr).toMatch(/unknown tool "fs.nuke"/);
  });

  it('shows a denial in the plan and runs nothing', async () => {
    const r = await aios(
      'tool',
      'shell.exec',
      '--args',
      JSON.stringify({ command: 'echo ok && rm -rf --no-preserve-root /' }),
      '--yes',
      '--json',
    );
    expect(r.code).toBe(1);
    const goal = JSON.parse(r.stdout) as {
      state: string;
      message: string;
      plan: { steps: { preview: { summary: string } }[] };
    };
    expect(goal.state).toBe('rejected');
    expect(goal.plan.steps[0]?.preview.summary).toMatch(
      /^denied: .*removes the root directory: rm -rf --no-preserve-root \//,
    );
  });

  it('needs --confirm for an irreversible step, and runs exactly the approved command with it', async () => {
    // A writing command may change only the files it declares (it runs sandboxed): one that exists.
    const file = join(d.dir, 'touched');
    writeFileSync(file, '');
    const args = JSON.stringify({ command: `touch -d 2001-02-03T04:05:06Z ${file}`, writes: [file] });
    const without = await aios('tool', 'shell.exec', '--args', args, '--yes');
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/needs an explicit confirmation: shell.exec cannot be undone by a snapshot/);
    const withConfirm = await aios('tool', 'shell.exec', '--args', args, '--yes', '--confirm');
    expect(withConfirm.code).toBe(0);
    expect(statSync(file).mtime.toISOString()).toBe('2001-02-03T04:05:06.000Z');
  });

  it('lists every tool with what it changes', async () => {
    const r = await aios('tools', '--json');
    const tools = (JSON.parse(r.stdout) as { tools: { name: string; mutates: boolean; reversible: boolean }[] }).tools;
    expect(tools.find((t) => t.name === 'pkg.install')).toMatchObject({ mutates: true, reversible: true });
    expect(tools.find((t) => t.name === 'process.signal')).toMatchObject({ mutates: true, reversible: false });
  });
});

describe('aios snapshot create and restore', () => {
  it('snapshots a tree and puts it back', async () => {
    const root = join(d.dir, 'etc-like');
    mkdirSync(root);
    writeFileSync(join(root, 'a.conf'), 'a=1\n');
    writeFileSync(join(root, 'b.conf'), 'b=1\n');
    const made = await aios('snapshot', 'create', root, '--label', 'before the change', '--json');
    expect(made.code).toBe(0);
    const snap = JSON.parse(made.stdout) as { snapshot: { id: string }; entries: number };
    expect(snap.entries).toBe(3);
    writeFileSync(join(root, 'a.conf'), 'a=2\n');
    const restored = await aios('restore', snap.snapshot.id, '--yes', '--json');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ changed: [join(root, 'a.conf')], problems: [] });
    expect(readFileSync(join(root, 'a.conf'), 'utf8')).toBe('a=1\n');
  });
});

describe('aios audit export', () => {
  it('exports every entry, the signed checkpoints and the key that verifies them', async () => {
    // A restart signs the head at shutdown.
    await d.restart();
    const r = await aios('audit', 'export', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      publicKey: string;
      keyId: string;
      head: { seq: number };
      checkpoints: Checkpoint[];
      entries: { seq: number; hash: string }[];
    };
    expect(doc.entries).toHaveLength(doc.head.seq);
    expect(doc.entries.map((e) => e.seq)).toEqual(Array.from({ length: doc.head.seq }, (_, i) => i + 1));
    expect(doc.checkpoints.length).toBeGreaterThan(0);
    for (const c of doc.checkpoints) {
      expect(
        verify(null, checkpointMessage(c), createPublicKey(doc.publicKey), Buffer.from(c.signature, 'base64')),
      ).toBe(true);
      expect(doc.entries.find((e) => e.seq === c.seq)?.hash).toBe(c.hash);
    }
    const verified = await aios('audit', 'verify');
    expect(verified.stdout).toMatch(/chain intact, \d+ signed checkpoint\(s\) through entry \d+/);
  });
});
