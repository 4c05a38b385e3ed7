// The state directory's lock: flock(2) through the native addon. A second taker (a second open
// file, as a second aiosd would have) is refused with the holder's pid; a release frees it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockStateDir, StateDirLocked } from '../../src/daemon/state-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lockStateDir', () => {
  it("writes the holder's pid, refuses a second taker naming it, and is free again once released", () => {
    const held = lockStateDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    let refused: unknown;
    try {
      lockStateDir(dir);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(StateDirLocked);
    expect((refused as StateDirLocked).holder).toBe(process.pid);
    expect((refused as Error).message).toContain(`another aiosd (pid ${process.pid}) holds the state directory ${dir}`);
    held.release();
    const again = lockStateDir(dir);
    again.release();
  });
});
