// `aios restore <snapshot> [path]`: a tree snapshot restored whole or one directory of it. What
// was created after the snapshot is removed (as a goal rollback removes what a step made in a
// directory it declared), and the review printed before --yes names every path it would write
// back, remove or make again. A real aiosd, the built CLI, real files.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonForSuite, type TestDaemon } from '../helpers/daemon.js';
import { runCli, type CliRun } from '../helpers/aios-cli.js';

let d: TestDaemon;
daemonForSuite((daemon) => {
  d = daemon;
});

const aios = (...args: string[]): Promise<CliRun> => runCli(d, args);

/** A tree with a subdirectory, snapshotted whole; then changed: a file edited, one deleted, new files and a new directory. */
async function changedTree(name: string): Promise<{ root: string; sub: string; id: string }> {
  const root = join(d.dir, name);
  const sub = join(root, 'sub');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(root, 'top.conf'), 'top\n');
  writeFileSync(join(sub, 'a.conf'), 'a\n');
  writeFileSync(join(sub, 'b.conf'), 'b\n');
  const created = await aios('snapshot', 'create', root, '--json');
  expect(created.code, created.stderr).toBe(0);
  const id = (JSON.parse(created.stdout) as { snapshot: { id: string } }).snapshot.id;
  writeFileSync(join(root, 'top.conf'), 'top changed\n');
  writeFileSync(join(root, 'top-new.conf'), 'new at the top\n');
  writeFileSync(join(sub, 'a.conf'), 'a changed\n');
  rmSync(join(sub, 'b.conf'));
  writeFileSync(join(sub, 'new.conf'), 'new\n');
  mkdirSync(join(sub, 'newdir'));
  writeFileSync(join(sub, 'newdir', 'deep.conf'), 'deep\n');
  return { root, sub, id };
}

describe('aios restore of a directory', () => {
  it('reviews first (what it writes back, removes and makes again), changes nothing without --yes', async () => {
    const { root, sub, id } = await changedTree('review');
    const refused = await aios('restore', id, sub);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`restoring ${id} at ${sub} would:`);
    // The directory too: its mtime moved when files came and went in it.
    expect(refused.stderr).toMatch(
      new RegExp(`write back \\(3\\):\\n    ${sub}\\n    ${sub}/a\\.conf\\n    ${sub}/b\\.conf\\n`),
    );
    expect(refused.stderr).toMatch(
      new RegExp(
        `remove \\(not in the snapshot\\) \\(3\\):\\n    ${sub}/new\\.conf\\n    ${sub}/newdir\\n    ${sub}/newdir/deep\\.conf\\n`,
      ),
    );
    // Outside the path: not named, not touched.
    expect(refused.stderr).not.toContain('top');
    expect(refused.stderr).toMatch(/run again with --yes to confirm\n$/);
    expect(readFileSync(join(sub, 'a.conf'), 'utf8')).toBe('a changed\n');
    expect(existsSync(join(sub, 'new.conf'))).toBe(true);
    expect(existsSync(join(root, 'top-new.conf'))).toBe(true);
  });

  it('with --yes, removes what was created under the path since, brings back the rest, leaves the tree around it', async () => {
    const { root, sub, id } = await changedTree('under');
    const r = await aios('restore', id, sub, '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(sub, 'a.conf'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(sub, 'b.conf'), 'utf8')).toBe('b\n');
    expect(existsSync(join(sub, 'new.conf'))).toBe(false);
    expect(existsSync(join(sub, 'newdir'))).toBe(false);
    expect(readFileSync(join(root, 'top.conf'), 'utf8')).toBe('top changed\n');
    expect(existsSync(join(root, 'top-new.conf'))).toBe(true);
    // Again: nothing left to change, and the review says so.
    const again = await aios('restore', id, sub);
    expect(again.stderr).toContain('nothing to change: every path is as the snapshot recorded it');
  });

  it('the whole snapshot removes what is new anywhere in its tree', async () => {
    const { root, sub, id } = await changedTree('whole');
    const r = await aios('restore', id, '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'top.conf'), 'utf8')).toBe('top\n');
    expect(existsSync(join(root, 'top-new.conf'))).toBe(false);
    expect(existsSync(join(sub, 'newdir'))).toBe(false);
    expect(readFileSync(join(sub, 'b.conf'), 'utf8')).toBe('b\n');
  });

  it('a path the snapshot did not record, or not absolute, is refused with what to do, and nothing changes', async () => {
    const { root, id } = await changedTree('outside');
    const outside = await aios('restore', id, join(d.dir, 'elsewhere'), '--yes');
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain(`records nothing at or under ${join(d.dir, 'elsewhere')}`);
    expect(outside.stderr).toContain("'aios snapshots' lists what each one holds");
    const review = await aios('restore', id, join(d.dir, 'elsewhere'));
    expect(review.stderr).toContain(`records nothing at or under ${join(d.dir, 'elsewhere')}`);
    expect(readFileSync(join(root, 'top.conf'), 'utf8')).toBe('top changed\n');
  });
});
