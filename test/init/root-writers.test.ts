// The shutdown's diagnosis when the root cannot be remounted read-only: the files held open
// for writing, read from this machine's real /proc.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opensForWriting, rootWriters } from '../../init/pid1/root-writers.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-root-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rootWriters', () => {
  it('names a file this process holds open for writing, and not one open only for reading', () => {
    const written = join(dir, 'written.log');
    const read = join(dir, 'read.txt');
    writeFileSync(read, 'x');
    const w = openSync(written, 'a');
    const r = openSync(read, 'r');
    try {
      const found = rootWriters().filter((l) => l.startsWith(`${process.pid} (`));
      expect(found.some((l) => l.endsWith(`: ${written}`))).toBe(true);
      expect(found.some((l) => l.endsWith(`: ${read}`))).toBe(false);
    } finally {
      closeSync(w);
      closeSync(r);
    }
    expect(rootWriters().some((l) => l.endsWith(`: ${written}`))).toBe(false);
  });

  it('reads the access mode from fdinfo flags', () => {
    expect(opensForWriting('pos:\t0\nflags:\t0100000\nmnt_id:\t1\n')).toBe(false);
    expect(opensForWriting('pos:\t0\nflags:\t02102001\nmnt_id:\t1\n')).toBe(true);
    expect(opensForWriting('pos:\t0\nflags:\t0100002\n')).toBe(true);
  });
});
