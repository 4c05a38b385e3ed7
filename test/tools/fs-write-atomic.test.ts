import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, run, tempDir } from './helpers.js';

const OLD_SIZE = 3_000_000;
const NEW_SIZE = 5_000_000;

// A separate process reads the file as fast as it can and counts any read that is neither the
// complete old content nor the complete new one.
const READER = `
const fs = require('node:fs');
const [file, stop, oldSize, newSize] = process.argv.slice(1);
const oldBuf = Buffer.alloc(Number(oldSize), 'a');
const newBuf = Buffer.alloc(Number(newSize), 'b');
let reads = 0, torn = 0, sawNew = 0;
process.stdout.write('ready\\n');
while (!fs.existsSync(stop)) {
  const buf = fs.readFileSync(file);
  reads++;
  if (buf.equals(newBuf)) sawNew++;
  else if (!buf.equals(oldBuf)) torn++;
}
process.stdout.write(JSON.stringify({ reads, torn, sawNew }) + '\\n');
`;

describe('fs.write atomicity', () => {
  it('never lets a concurrent reader see a partly written file', async () => {
    const dir = tempDir();
    const file = join(dir, 'big.conf');
    const stop = join(dir, 'stop');
    const oldContent = 'a'.repeat(OLD_SIZE);
    const newContent = 'b'.repeat(NEW_SIZE);
    writeFileSync(file, oldContent);

    const reader = spawn(process.execPath, ['-e', READER, file, stop, String(OLD_SIZE), String(NEW_SIZE)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    reader.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      reader.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('ready')) resolve();
      }),
    );
    const exited = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
    await ready;

    for (let i = 0; i < 12; i++) {
      ok(await run('fs.write', { path: file, content: i % 2 === 0 ? newContent : oldContent }));
    }
    writeFileSync(stop, '');
    await exited;

    const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { reads: number; torn: number; sawNew: number };
    expect(report.reads).toBeGreaterThan(5);
    expect(report.torn).toBe(0);
  });
});
