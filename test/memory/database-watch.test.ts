// The database file watched by device and inode: the same file is fine, a deleted or replaced
// one is said once and stays said (only a restart opens the new file), and a commit is refused.
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseWatch } from '../../src/memory/database-watch.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-dbwatch-'));
  path = join(dir, 'aios.db');
  writeFileSync(path, 'db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DatabaseWatch', () => {
  it('is quiet while the path is the file it opened, even after writes', () => {
    const w = new DatabaseWatch(path);
    writeFileSync(path, 'more', { flag: 'a' });
    expect(w.problem()).toBeNull();
    expect(() => w.assertSame()).not.toThrow();
  });

  it('says a deleted file was deleted, once, and keeps saying it after a new file appears', () => {
    const said: string[] = [];
    const w = new DatabaseWatch(path, (p) => said.push(p));
    unlinkSync(path);
    expect(w.problem()).toMatch(/aios\.db was deleted while aiosd ran/);
    writeFileSync(path, 'new');
    expect(w.problem()).toMatch(/was deleted/);
    expect(said).toHaveLength(1);
    expect(() => w.assertSame()).toThrow(/was deleted/);
  });

  it('says a file renamed over it was replaced', () => {
    const w = new DatabaseWatch(path);
    writeFileSync(join(dir, 'other'), 'x');
    renameSync(join(dir, 'other'), path);
    expect(w.problem()).toMatch(/was replaced by another file/);
  });
});
