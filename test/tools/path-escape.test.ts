// Writes cannot escape through `..` or symlinks, including a symlink swapped in between the
// check and the use: the tools act through a verified directory descriptor, and every path a
// tool resolves is held against what policy checked.
import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/policy/path-guard.js';
import type { ToolContext } from '../../src/tools/tool.js';
import { openParent, PathChangedError } from '../../src/tools/verified-dir.js';
import { registry, tempDir } from './helpers.js';

/** A context whose path guard allows exactly what policy checked (as the step runner builds it). */
function guarded(allowed: { path: string; access: 'read' | 'write' }[]): ToolContext {
  return {
    signal: new AbortController().signal,
    onOutput: () => undefined,
    checkPath: (canonical, access) =>
      allowed.some((a) => a.path === canonical && a.access === access) ? null : `changed: ${canonical}`,
  };
}

async function runWith(tool: string, args: unknown, ctx: ToolContext) {
  const v = registry.validate(tool, args);
  if (!v.ok) throw new Error(v.error);
  return v.tool.execute(v.args, ctx);
}

describe('.. and symlinked parents', () => {
  it('resolves .. as text before anything is judged, so a path names what it reaches', () => {
    const v = registry.validate('fs.write', { path: '/home/ada/../../etc/./shadow', content: '' });
    expect(v.ok && (v.args as { path: string }).path).toBe('/etc/shadow');
  });

  it('canonicalises through a symlinked parent but never follows the leaf', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    symlinkSync('/etc/shadow', join(dir, 'real', 'leaf'));
    expect(canonicalPath(join(dir, 'link', 'leaf'))).toEqual({
      canonical: join(dir, 'real', 'leaf'),
      lexical: join(dir, 'link', 'leaf'),
    });
    expect(canonicalPath(join(dir, 'link', 'missing', 'deeper')).canonical).toBe(
      join(dir, 'real', 'missing', 'deeper'),
    );
  });

  it('refuses to write through a symlink leaf, leaving what it points to alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    for (const [tool, args] of [
      ['fs.write', { content: 'x' }],
      ['fs.chmod', { mode: '777' }],
    ] as const) {
      const r = await runWith(
        tool,
        { path: join(dir, 'link'), ...args },
        guarded([{ path: join(dir, 'link'), access: 'write' }]),
      );
      expect(r.ok, tool).toBe(false);
    }
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    expect((lstatSync(join(dir, 'target')).mode & 0o777).toString(8)).not.toBe('777');
  });
});

describe('a symlink swapped in between check and use', () => {
  it('is caught when the parent directory changes after its realpath was taken', () => {
    const dir = tempDir();
    const outside = tempDir();
    mkdirSync(join(dir, 'd'));
    expect(() =>
      openParent(join(dir, 'd', 'f'), undefined, 'write', () => {
        renameSync(join(dir, 'd'), join(dir, 'd.old'));
        symlinkSync(outside, join(dir, 'd'));
      }),
    ).toThrow(PathChangedError);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('is caught by the policy guard when the path resolves elsewhere than was checked', async () => {
    const dir = tempDir();
    const outside = tempDir();
    mkdirSync(join(dir, 'd'));
    const checked = [{ path: join(dir, 'd', 'f'), access: 'write' as const }];
    rmSync(join(dir, 'd'), { recursive: true });
    symlinkSync(outside, join(dir, 'd'));
    const r = await runWith('fs.write', { path: join(dir, 'd', 'f'), content: 'x' }, guarded(checked));
    expect(r).toMatchObject({ ok: false, error: `changed: ${join(outside, 'f')}` });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('never lands a write outside while another process keeps swapping the directory for a link', async () => {
    const dir = tempDir();
    const outside = tempDir();
    const d = join(dir, 'd');
    mkdirSync(d);
    // A real race: a separate process flips d between a directory and a symlink to `outside`.
    const flipper = spawn(
      process.execPath,
      [
        '-e',
        `
      const fs = require('node:fs');
      const d = ${JSON.stringify(d)}, real = ${JSON.stringify(join(dir, 'real'))}, out = ${JSON.stringify(outside)};
      fs.renameSync(d, real);
      for (;;) {
        try { fs.symlinkSync(out, d); fs.unlinkSync(d); fs.symlinkSync(real, d); fs.unlinkSync(d); } catch {}
      }`,
      ],
      { stdio: 'ignore' },
    );
    const checked = [
      { path: join(dir, 'real', 'f'), access: 'write' as const },
      { path: join(d, 'f'), access: 'write' as const },
    ];
    let written = 0;
    let refused = 0;
    try {
      for (let i = 0; i < 300; i++) {
        const r = await runWith('fs.write', { path: join(d, 'f'), content: `try ${i}` }, guarded(checked));
        if (r.ok) written += 1;
        else refused += 1;
      }
    } finally {
      flipper.kill('SIGKILL');
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(written + refused).toBe(300);
    // Both outcomes happen under the race; what never happens is a file in `outside`.
    expect(refused).toBeGreaterThan(0);
  });

  it('a read through a link swapped to a protected file is refused after opening it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes'), 'mine');
    symlinkSync(join(dir, 'notes'), join(dir, 'link'));
    const checked = [{ path: join(dir, 'notes'), access: 'read' as const }];
    const ok = await runWith('fs.read', { path: join(dir, 'link') }, guarded(checked));
    expect(ok).toMatchObject({ ok: true, output: 'mine' });
    rmSync(join(dir, 'link'));
    symlinkSync('/etc/hostname', join(dir, 'link'));
    const swapped = await runWith('fs.read', { path: join(dir, 'link') }, guarded(checked));
    expect(swapped).toMatchObject({ ok: false, error: 'changed: /etc/hostname' });
    expect(swapped.output).not.toContain(readFileSync('/etc/hostname', 'utf8').trim() || '\u0000');
    expect(existsSync(join(dir, 'link'))).toBe(true);
  });
});
