// The one way aiOS replaces a whole file: the old content or the new, never a mix; the mode
// exactly as asked; nothing left behind; and every writer in src/ and init/ goes through it.
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('replaces the file whole, with the mode asked for whatever the umask, and leaves no temporary file', () => {
    const file = join(dir, 'config.toml');
    writeFileSync(file, 'old\n');
    const umask = process.umask(0o077);
    try {
      writeFileAtomicSync(file, 'new\n', { mode: 0o644 });
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['config.toml']);
  });

  it('keeps the old file and removes the temporary one when the check refuses the new content', () => {
    const file = join(dir, 'config.toml');
    writeFileSync(file, 'old\n');
    let seen = '';
    expect(() =>
      writeFileAtomicSync(file, 'broken', {
        check: (tmp) => {
          seen = readFileSync(tmp, 'utf8');
          throw new Error('not a config');
        },
      }),
    ).toThrow('not a config');
    expect(seen).toBe('broken');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['config.toml']);
  });

  it('gives the file the owner asked for when it runs as root', () => {
    if (process.getuid?.() !== 0) return;
    const file = join(dir, 'manifest.json');
    writeFileAtomicSync(file, '{}', { mode: 0o600, owner: { uid: 4321, gid: 4322 } });
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([4321, 4322, 0o600]);
    chownSync(file, 0, 0);
  });

  it('takes a fresh temporary name for each write, so quick successive writes never collide', () => {
    const file = join(dir, 'head.json');
    for (let i = 0; i < 50; i++) writeFileAtomicSync(file, `${i}`);
    expect(readFileSync(file, 'utf8')).toBe('49');
    expect(readdirSync(dir)).toEqual(['head.json']);
  });
});

describe('every writer', () => {
  // Files that rename for reasons of their own: content-addressed blobs written from a stream,
  // writes inside a verified directory (by descriptor, keeping ACLs and xattrs), a restore's
  // batch of renames journaled as one, and an archive move of the install manifest.
  const OWN_RENAMES = new Set([
    'src/files/write-file-atomic.ts',
    'src/recovery/blob-store.ts',
    'src/tools/fs-write-tools.ts',
    'src/tools/fs-attr-tools.ts',
    'src/recovery/snapshot-restore.ts',
    'src/recovery/spare-files.ts',
    'init/login/uninstall.ts',
    'init/update/slot-install.ts', // swaps a whole slot directory
    'src/models/pull-service.ts', // moves a downloaded, checked model file into place
    'src/daemon/log-file.ts', // shifts rotated logs up
  ]);
  const root = join(import.meta.dirname, '..', '..');
  const sources = (sub: string): string[] =>
    readdirSync(join(root, sub), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => relative(root, join(root, sub, f)));

  it('replaces whole files through writeFileAtomicSync, not a rename of its own', () => {
    const renamers = [...sources('src'), ...sources('init')].filter((f) =>
      /\brename(Sync)?\(/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(renamers.filter((f) => !OWN_RENAMES.has(f))).toEqual([]);
  });
});
