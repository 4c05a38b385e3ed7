// The two sandboxes the daemon uses, with real commands: the system's password hashes read as
// nothing in either; a writing command may change exactly its declared files (keeping root's
// power over them), and a declared path the sandbox cannot bind stops it before it runs.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/sandbox/bubblewrap.js';
import { readOnlySandbox, writeSandbox, WritablePathError } from '../../src/sandbox/read-only-sandbox.js';

// Outside /tmp: inside, /tmp is private and anything may be written there unseen.
const dir = mkdtempSync('/var/tmp/aios-wsandbox-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

function run(argv: string[]): { status: number | null; out: string } {
  const [file, ...args] = argv;
  const r = spawnSync(file as string, args, { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!probeSandbox().available)('the sandboxes hide the password hashes', () => {
  it('cat /etc/shadow in the read-only sandbox sees nothing', () => {
    const wrap = readOnlySandbox({ hide: [], cpuSeconds: 5 }).wrap;
    if (wrap === null) throw new Error('no sandbox');
    for (const file of ['/etc/shadow', '/etc/gshadow'].filter((f) => existsSync(f))) {
      // /dev/null is bound over it on a nodev mount: opening it fails, so nothing is read (and nothing written).
      const r = run(wrap(['/bin/sh', '-c', `cat ${file}; echo end`]));
      expect(r.out.replace(`cat: ${file}: Permission denied\n`, '')).toBe('end\n');
    }
  });

  it('and in the writing sandbox', () => {
    const target = join(dir, 'declared-for-shadow');
    writeFileSync(target, '');
    const wrap = writeSandbox({ hide: [], cpuSeconds: 5 }).wrap;
    if (wrap === null) throw new Error('no sandbox');
    const r = run(
      wrap(
        ['/bin/sh', '-c', 'cat /etc/shadow /etc/gshadow 2>/dev/null; echo end; echo x >> /etc/shadow || echo refused'],
        [target],
      ),
    );
    expect(r.out.replace('/bin/sh: 1: cannot create /etc/shadow: Permission denied\n', '')).toBe('end\nrefused\n');
  });
});

describe.skipIf(!probeSandbox().available)('a writing command in its sandbox', () => {
  const wrap = writeSandbox({ hide: [], cpuSeconds: 5 }).wrap;

  it.skipIf(!isRoot)('changes its declared file, even one root does not own, and nothing else', () => {
    if (wrap === null) throw new Error('no sandbox');
    const declared = join(dir, 'owned-by-someone');
    const other = join(dir, 'other');
    writeFileSync(declared, 'a\n', { mode: 0o644 });
    chownSync(declared, 4242, 4242);
    writeFileSync(other, 'untouched\n');
    const r = run(
      wrap(
        [
          '/bin/sh',
          '-c',
          `echo b >> ${declared}; echo c >> ${other}; touch ${join(dir, 'new')}; echo x > /tmp/scratch && cat /tmp/scratch`,
        ],
        [declared],
      ),
    );
    expect(readFileSync(declared, 'utf8')).toBe('a\nb\n');
    expect(readFileSync(other, 'utf8')).toBe('untouched\n');
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(r.out).toMatch(/Read-only file system/);
    // The private /tmp works, and is gone afterwards.
    expect(r.out).toMatch(/^x$/m);
    expect(existsSync('/tmp/scratch')).toBe(false);
  });

  it('cannot remount its way out or make device nodes', () => {
    if (wrap === null) throw new Error('no sandbox');
    const declared = join(dir, 'declared-for-mount');
    writeFileSync(declared, '');
    const r = run(
      wrap(
        [
          '/bin/sh',
          '-c',
          `mount -o remount,rw / 2>&1; mknod ${declared}.dev b 8 0 2>&1; echo escaped > /etc/aios-escape 2>&1; true`,
        ],
        [declared],
      ),
    );
    expect(existsSync('/etc/aios-escape')).toBe(false);
    expect(existsSync(`${declared}.dev`)).toBe(false);
    expect(r.out).toMatch(/permission denied|Operation not permitted|must be superuser/i);
  });

  it('a directory declared whole (a trailing slash) is writable with all it holds, and what is hidden in it stays hidden', () => {
    if (wrap === null) throw new Error('no sandbox');
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'secret'), { recursive: true });
    writeFileSync(join(tree, 'secret', 'key'), 'hidden\n');
    const hiding = writeSandbox({ hide: [join(tree, 'secret')], cpuSeconds: 5 }).wrap;
    if (hiding === null) throw new Error('no sandbox');
    const r = run(
      hiding(
        [
          '/bin/sh',
          '-c',
          `mkdir -p ${tree}/a/b && echo made > ${tree}/a/b/f; ls ${tree}/secret; touch ${tree}/secret/planted 2>/dev/null; touch ${dir}/outside-tree 2>/dev/null; true`,
        ],
        [`${tree}/`],
      ),
    );
    expect(readFileSync(join(tree, 'a', 'b', 'f'), 'utf8')).toBe('made\n');
    expect(r.out).not.toMatch(/key/);
    expect(existsSync(join(tree, 'secret', 'planted'))).toBe(false);
    expect(existsSync(join(dir, 'outside-tree'))).toBe(false);
    expect(() => wrap(['/bin/true'], [`${join(tree, 'a', 'b', 'f')}/`])).toThrow(/is not one/);
  });

  it('refuses a declared path that does not exist, is a directory or a link, before running anything', () => {
    if (wrap === null) throw new Error('no sandbox');
    expect(() => wrap(['/bin/true'], [join(dir, 'missing')])).toThrow(WritablePathError);
    expect(() => wrap(['/bin/true'], [join(dir, 'missing')])).toThrow(/does not exist/);
    expect(() => wrap(['/bin/true'], [dir])).toThrow(/is a directory/);
    // A scratch file in /tmp is made in the private /tmp instead.
    expect(() => wrap(['/bin/true'], ['/tmp/aios-not-there-yet'])).not.toThrow();
  });
});
