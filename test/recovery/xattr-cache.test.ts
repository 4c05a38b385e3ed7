// A re-snapshot reuses the xattrs it read for a path while the inode and its ctime are the same
// (src/recovery/xattr-cache.ts): every way an xattr or an ACL changes must still be seen.
// Real files and the real addon; ACLs set with setfacl, as in snapshot-metadata.test.ts.
import { execFileSync } from 'node:child_process';
import { lstatSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { setXattr } from '../../src/recovery/fs-meta.js';
import { XattrCache } from '../../src/recovery/xattr-cache.js';
import { tempDir } from '../tools/helpers.js';

const isRoot = process.getuid?.() === 0;
const read = (cache: XattrCache, path: string): string => cache.read(path, lstatSync(path, { bigint: true }));
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A file with one user.* xattr, its ctime older than the cache's racy window. */
async function agedFile(dir: string, name: string, value: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, `${name}\n`);
  setXattr(path, 'user.v', Buffer.from(value));
  await sleep(40);
  return path;
}

describe('the xattr cache of a snapshot store', () => {
  it('keeps what it read for an aged file, and reads again once the xattr changed', async () => {
    const cache = new XattrCache();
    const file = await agedFile(tempDir(), 'a', 'one');
    expect(read(cache, file)).toContain(b64('one'));
    expect(cache.size).toBe(1);
    expect(read(cache, file)).toContain(b64('one'));
    setXattr(file, 'user.v', Buffer.from('two'));
    expect(read(cache, file)).toContain(b64('two'));
  });

  it('does not keep a file changed a moment ago: a second change in the same ctime tick is still seen', async () => {
    const cache = new XattrCache();
    const file = join(tempDir(), 'fresh');
    writeFileSync(file, 'x\n');
    setXattr(file, 'user.v', Buffer.from('one'));
    expect(read(cache, file)).toContain(b64('one'));
    setXattr(file, 'user.v', Buffer.from('two'));
    expect(read(cache, file)).toContain(b64('two'));
  });

  it('reads again when another file took the name (another inode)', async () => {
    const cache = new XattrCache();
    const dir = tempDir();
    const file = await agedFile(dir, 'a', 'old');
    const other = await agedFile(dir, 'b', 'new');
    expect(read(cache, file)).toContain(b64('old'));
    renameSync(other, file);
    expect(read(cache, file)).toContain(b64('new'));
  });

  it.skipIf(!isRoot)('reads again after an ACL was added with setfacl', async () => {
    const cache = new XattrCache();
    const file = await agedFile(tempDir(), 'acl', 'v');
    expect(read(cache, file)).not.toContain('system.posix_acl_access');
    execFileSync('setfacl', ['-m', 'u:4444:rw', file]);
    expect(read(cache, file)).toContain('system.posix_acl_access');
  });

  it('holds at most its limit, dropping the path read longest ago', async () => {
    const cache = new XattrCache(2);
    const dir = tempDir();
    const [a, b, c] = [await agedFile(dir, 'a', '1'), await agedFile(dir, 'b', '2'), await agedFile(dir, 'c', '3')];
    for (const p of [a, b, c]) read(cache, p);
    expect(cache.size).toBe(2);
    expect(read(cache, a)).toContain(b64('1'));
  });
});
