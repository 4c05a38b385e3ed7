// The snapshot's one native call per path (fs-meta.ts lstatMeta): its stat agrees with Node's,
// and its xattrs, encoded in C, are byte for byte what encodeXattrs writes in JS (a restore
// compares the two as text), for every shape of name and value; a name that is not plain ASCII
// is handed back to JS to encode.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeXattrs, lstatMeta, readXattrs, setXattr, xattrsNow } from '../../src/recovery/fs-meta.js';
import { tempDir } from '../tools/helpers.js';

const isRoot = process.getuid?.() === 0;
const acl = (path: string): void => {
  execFileSync('setfacl', ['-m', 'u:4444:rw,g:4545:r', path]);
};

describe('lstatMeta', () => {
  it("gives a file's, a directory's and a link's stat as Node's lstat (bigint) does, not following the link", () => {
    const work = tempDir();
    const file = join(work, 'f');
    writeFileSync(file, 'twelve bytes');
    mkdirSync(join(work, 'd'));
    symlinkSync('f', join(work, 'l'));
    for (const path of [file, join(work, 'd'), join(work, 'l')]) {
      const node = lstatSync(path, { bigint: true });
      const ours = lstatMeta(path, false);
      expect(ours).toEqual({
        mode: Number(node.mode),
        uid: Number(node.uid),
        gid: Number(node.gid),
        nlink: Number(node.nlink),
        size: Number(node.size),
        dev: node.dev,
        ino: node.ino,
        atimeNs: node.atimeNs,
        mtimeNs: node.mtimeNs,
        ctimeNs: node.ctimeNs,
        xattrs: null,
      });
    }
  });

  it('throws as lstat does, with the errno as code', () => {
    const work = tempDir();
    expect(() => lstatMeta(join(work, 'none'), true)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    writeFileSync(join(work, 'f'), '');
    expect(() => lstatMeta(join(work, 'f', 'under'), true)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});

describe.skipIf(!isRoot)('xattrs encoded in C', () => {
  const cases: [string, (path: string) => void][] = [
    ['none', () => undefined],
    ['one user.* xattr', (p) => setXattr(p, 'user.origin', Buffer.from('package-7'))],
    ['an empty value', (p) => setXattr(p, 'user.empty', Buffer.alloc(0))],
    [
      'values of every length mod 3, binary bytes',
      (p) => {
        for (let n = 1; n <= 5; n++) setXattr(p, `user.len${n}`, Buffer.from([0, 255, 61, 43, 47].slice(0, n)));
      },
    ],
    ['a value of nearly 4 KiB', (p) => setXattr(p, 'user.big', Buffer.alloc(3900, 0xa7))],
    [
      'forty names (past the sorted list kept on the stack), set out of order',
      (p) => {
        for (let i = 39; i >= 0; i--) setXattr(p, `user.n${String(i).padStart(2, '0')}`, Buffer.from(`v${i}`));
      },
    ],
    ['an ACL and a user.* xattr', (p) => (acl(p), setXattr(p, 'user.a', Buffer.from('x')))],
    [
      'a name with a quote, a backslash and a non-ASCII letter (JS encodes it)',
      (p) => {
        setXattr(p, 'user.q"\\é', Buffer.from('odd'));
        setXattr(p, 'user.plain', Buffer.from('ok'));
      },
    ],
  ];
  it.each(cases)('%s: the same text as encodeXattrs', (_name, make) => {
    const file = join(tempDir(), 'f');
    writeFileSync(file, 'x');
    make(file);
    const js = encodeXattrs(readXattrs(file));
    expect(xattrsNow(file)).toBe(js);
    expect(lstatMeta(file, true).xattrs).toBe(js);
  });

  it('a value over the 4 KiB first buffer (tmpfs holds one; ext4 does not): the same text', (ctx) => {
    const file = join('/dev/shm', `aios-fs-meta-${process.pid}`);
    writeFileSync(file, 'x');
    try {
      try {
        setXattr(file, 'user.big', Buffer.alloc(9000, 0xa7));
      } catch (error) {
        ctx.skip(`this kernel's tmpfs keeps no 9,000-byte user.* xattr (${(error as NodeJS.ErrnoException).code})`);
      }
      const js = encodeXattrs(readXattrs(file));
      expect(js.length).toBeGreaterThan(12_000);
      expect(lstatMeta(file, true).xattrs).toBe(js);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
