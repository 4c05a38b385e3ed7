import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, preview, run, tempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;

describe('fs.read', () => {
  it("returns a text file's content", async () => {
    const file = join(tempDir(), 'hello.txt');
    writeFileSync(file, 'héllo\nwörld\n');
    const r = ok(await run('fs.read', { path: file }));
    expect(r.output).toBe('héllo\nwörld\n');
    expect(r.data).toMatchObject({ path: file, size: 14, truncated: false, binary: false, content: 'héllo\nwörld\n' });
  });

  it('stops at maxBytes, says so, and does not choke on a character cut in half', async () => {
    const file = join(tempDir(), 'long.txt');
    writeFileSync(file, 'ab€cd'); // € is 3 bytes: a cut at 3 bytes falls inside it
    const r = ok(await run('fs.read', { path: file, maxBytes: 3 }));
    expect(r.data).toMatchObject({ truncated: true, binary: false, content: 'ab', bytesRead: 3 });
    expect(r.output).toBe('ab\n[truncated: showing the first 3 bytes of 7]');
  });

  it('marks binary content instead of returning it', async () => {
    const file = join(tempDir(), 'blob.bin');
    writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0xfe]));
    const r = ok(await run('fs.read', { path: file }));
    expect(r.data).toMatchObject({ binary: true, content: null, size: 7 });
    expect(r.output).toContain('binary file');
    const latin1 = join(tempDir(), 'latin1.txt');
    writeFileSync(latin1, Buffer.from('caf\xe9 ok', 'latin1'));
    expect(ok(await run('fs.read', { path: latin1 })).data).toMatchObject({ binary: true });
  });

  it('reads /proc files, whose reported size is 0', async () => {
    const r = ok(await run('fs.read', { path: '/proc/self/status' }));
    expect(r.output).toMatch(/^Name:/);
  });

  it('fails clearly for a directory, a missing file and a FIFO (without hanging)', async () => {
    const dir = tempDir();
    expect(await run('fs.read', { path: dir })).toMatchObject({
      ok: false,
      error: `${dir} is a directory; use fs.list to see what it holds`,
    });
    expect(await run('fs.read', { path: join(dir, 'nope') })).toMatchObject({
      ok: false,
      error: `no such file or directory: ${join(dir, 'nope')}`,
    });
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(await run('fs.read', { path: fifo })).toMatchObject({
      ok: false,
      error: `${fifo} is not a regular file (fifo); fs.read reads regular files only`,
    });
  });
});

describe('fs.list', () => {
  it('lists entries with type, size, mode and link targets, sorted by name', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'b.conf'), '12345');
    chmodSync(join(dir, 'b.conf'), 0o640);
    mkdirSync(join(dir, 'a.d'), { mode: 0o755 });
    chmodSync(join(dir, 'a.d'), 0o755);
    symlinkSync('b.conf', join(dir, 'c.link'));
    const r = ok(await run('fs.list', { path: dir }));
    expect(r.data).toMatchObject({
      total: 3,
      entries: [
        { name: 'a.d', type: 'dir', mode: '755' },
        { name: 'b.conf', type: 'file', size: 5, mode: '640' },
        { name: 'c.link', type: 'symlink', linkTarget: 'b.conf' },
      ],
    });
    expect(r.output).toContain('c.link -> b.conf');
    expect(r.output.split('\n')[0]).toMatch(/^mode\s+type\s+size\s+name$/);
  });

  it('says when the path is not a directory or is empty', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), '');
    expect(await run('fs.list', { path: join(dir, 'f') })).toMatchObject({
      ok: false,
      error: `${join(dir, 'f')} is not a directory; use fs.read for files`,
    });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(ok(await run('fs.list', { path: empty })).output).toBe(`${empty} is empty`);
  });
});

describe('fs.write', () => {
  it('creates a new file with mode 644, or the mode given', async () => {
    const dir = tempDir();
    const file = join(dir, 'new.conf');
    const r = ok(await run('fs.write', { path: file, content: 'a=1\n' }));
    expect(r.output).toBe(`created ${file} (4 bytes, mode 644)`);
    expect(readFileSync(file, 'utf8')).toBe('a=1\n');
    expect(statSync(file).mode & 0o7777).toBe(0o644);
    ok(await run('fs.write', { path: join(dir, 'secret'), content: 'k', mode: '600' }));
    expect(statSync(join(dir, 'secret')).mode & 0o7777).toBe(0o600);
  });

  it('keeps the mode and owner of a file it overwrites, and leaves no temp file', async () => {
    const dir = tempDir();
    const file = join(dir, 'app.conf');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    if (isRoot) chownSync(file, 1234, 5678);
    ok(await run('fs.write', { path: file, content: 'new\n' }));
    const st = statSync(file);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(st.mode & 0o7777).toBe(0o640);
    if (isRoot) expect([st.uid, st.gid]).toEqual([1234, 5678]);
    expect(readdirSync(dir)).toEqual(['app.conf']);
  });

  it('refuses a directory, a symlink (leaving its target alone) and a missing directory', async () => {
    const dir = tempDir();
    expect(await run('fs.write', { path: dir, content: 'x' })).toMatchObject({
      ok: false,
      error: `${dir} is a directory; fs.write writes files only`,
    });
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    const r = await run('fs.write', { path: join(dir, 'link'), content: 'x' });
    expect(r).toMatchObject({
      ok: false,
      error: `${join(dir, 'link')} is a symbolic link; write the file it points to instead`,
    });
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    const deep = join(dir, 'no', 'such', 'f');
    expect(await run('fs.write', { path: deep, content: 'x' })).toMatchObject({
      ok: false,
      error: `directory ${join(dir, 'no', 'such')} does not exist; fs.write does not create directories`,
    });
  });

  it('previews an overwrite as a unified diff and changes nothing', async () => {
    const file = join(tempDir(), 'hosts');
    writeFileSync(file, '127.0.0.1 localhost\n10.0.0.1 old\n');
    const p = await preview('fs.write', { path: file, content: '127.0.0.1 localhost\n10.0.0.2 new\n' });
    expect(p.summary).toBe(`overwrite ${file} (33 → 33 bytes)`);
    expect(p.detail).toContain(`--- ${file}\tcurrent`);
    expect(p.detail).toContain(`+++ ${file}\tproposed`);
    expect(p.detail).toContain('-10.0.0.1 old\n+10.0.0.2 new');
    expect(p.detail).toContain(' 127.0.0.1 localhost');
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n10.0.0.1 old\n');
  });

  it('previews a new file as a creation with its size, and a mode change', async () => {
    const dir = tempDir();
    const p = await preview('fs.write', { path: join(dir, 'fresh'), content: 'hello\n' });
    expect(p.summary).toBe(`create new file ${join(dir, 'fresh')} (6 bytes, mode 644)`);
    expect(p.detail).toContain('+hello');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    writeFileSync(join(dir, 'same'), 'x');
    chmodSync(join(dir, 'same'), 0o644);
    expect((await preview('fs.write', { path: join(dir, 'same'), content: 'x', mode: '600' })).summary).toBe(
      `overwrite ${join(dir, 'same')} (1 → 1 bytes, mode 644 → 600)`,
    );
    expect((await preview('fs.write', { path: join(dir, 'same'), content: 'x' })).summary).toBe(
      `no change: ${join(dir, 'same')} already has this content`,
    );
  });

  it('declares exactly the normalised path it writes', async () => {
    const { registry } = await import('./helpers.js');
    const v = registry.validate('fs.write', { path: '/etc/./aios/../aios/x.conf', content: '' });
    if (!v.ok) throw new Error(v.error);
    expect(v.tool.paths?.(v.args)).toEqual([{ path: '/etc/aios/x.conf', access: 'write' }]);
  });
});

describe('fs.delete', () => {
  it('removes a file and previews its size first', async () => {
    const file = join(tempDir(), 'old.log');
    writeFileSync(file, '0123456789');
    chmodSync(file, 0o600);
    expect((await preview('fs.delete', { path: file })).summary).toBe(`remove file ${file} (10 bytes, mode 600)`);
    expect(existsSync(file)).toBe(true);
    expect(ok(await run('fs.delete', { path: file })).output).toBe(`removed file ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it('removes a symbolic link itself, never what it points to', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real'), 'precious');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect((await preview('fs.delete', { path: join(dir, 'link') })).summary).toBe(
      `remove symbolic link ${join(dir, 'link')} -> ${join(dir, 'real')}`,
    );
    ok(await run('fs.delete', { path: join(dir, 'link') }));
    expect(existsSync(join(dir, 'link'))).toBe(false);
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe('precious');
  });

  it('refuses directories and says a missing file is missing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    expect(await run('fs.delete', { path: join(dir, 'sub') })).toMatchObject({
      ok: false,
      error: `${join(dir, 'sub')} is a directory; fs.delete removes files and symbolic links only`,
    });
    expect(existsSync(join(dir, 'sub'))).toBe(true);
    expect(await run('fs.delete', { path: join(dir, 'gone') })).toMatchObject({
      ok: false,
      error: `no such file: ${join(dir, 'gone')}`,
    });
  });
});

describe('fs.read text detection', () => {
  it('calls a whole file that ends inside a character binary, but not a read cut short there', async () => {
    const file = join(tempDir(), 'cut');
    writeFileSync(file, Buffer.concat([Buffer.from('abc'), Buffer.from('€').subarray(0, 2)]));
    expect(ok(await run('fs.read', { path: file })).data).toMatchObject({ binary: true });
    expect(ok(await run('fs.read', { path: file, maxBytes: 4 })).data).toMatchObject({ binary: false, content: 'abc' });
  });
});
