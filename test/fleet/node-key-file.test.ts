// The fleet node's signing key file (src/fleet/signing.ts): made once and kept; an empty file —
// what a power cut just after the first boot left of a key written without a sync, which kept
// aiosd from ever starting again — is made again and said; anything else unreadable is refused
// with what to do and left as it is.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../../src/fleet/signing.js';

let dir: string;
let file: string;
const notes: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-nodekey-'));
  file = join(dir, 'fleet', 'node-key.pem');
  notes.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the fleet node key file', () => {
  it('is made once (0600, no temporary file left) and the same key is read after', () => {
    const made = loadOrCreateKey(file, (l) => notes.push(l));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'fleet'))).toEqual(['node-key.pem']);
    expect(loadOrCreateKey(file).publicKey).toBe(made.publicKey);
    expect(notes).toEqual([]);
  });

  it('makes an empty file (a key lost to a power cut) again, and says so', () => {
    loadOrCreateKey(file);
    writeFileSync(file, '');
    const again = loadOrCreateKey(file, (l) => notes.push(l));
    expect(again.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateKey(file).publicKey).toBe(again.publicKey);
    expect(notes).toEqual([
      `${file} was empty (lost to a power cut before it reached the disk): made a new key; a node that had joined a hub must join again`,
    ]);
  });

  it('refuses a file that is not a key, says what to do, and leaves it as it is', () => {
    loadOrCreateKey(file);
    writeFileSync(file, 'not a key\n');
    expect(() => loadOrCreateKey(file)).toThrow(
      /node-key\.pem is not an Ed25519 private key in PEM \(.*\): move it aside and start again to make a new one/,
    );
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});
