// The update bundle as scripts/bundle.mjs makes it and init/update checks it: a good one
// verifies and installs into a slot; unsigned, wrongly signed, tampered and downgrade bundles
// are refused with what is wrong, and nothing of them reaches a slot.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, verifyBundle } from '../../init/update/bundle-verify.js';
import { installSlot, receiveBundle } from '../../init/update/slot-install.js';
import { makeBundle, reforge, tinyTree } from '../helpers/update-bundles.js';

let dir: string;
let keys: string;
let good: string;
const opts = (over: Partial<Parameters<typeof verifyBundle>[1]> = {}): Parameters<typeof verifyBundle>[1] => ({
  keysDir: keys,
  currentVersion: '1.0.0',
  allowDowngrade: false,
  ...over,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-bundle-test-'));
  keys = join(dir, 'update-keys');
  mkdirSync(keys);
  const tree = tinyTree(join(dir, 'tree'));
  good = makeBundle({ tree, key: join(dir, 'signer.pem'), out: join(dir, 'good.aios'), version: '1.2.0' });
  copyFileSync(join(dir, 'signer.pem.pub'), join(keys, 'signer.pub'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('update bundles', () => {
  it('a signed bundle verifies against the trusted key and says what it holds', () => {
    const v = verifyBundle(good, opts());
    expect(v.manifest.version).toBe('1.2.0');
    expect(v.manifest.files.map((f) => f.path).sort()).toEqual([
      'bin/aios-init.js',
      'dist/aios-init.js',
      'package.json',
    ]);
    expect(v.keyFile).toBe(join(keys, 'signer.pub'));
  });

  it('refuses a bundle without a signature', () => {
    const unsigned = reforge(good, join(dir, 'unsigned.aios'), () => undefined, ['aios-bundle.json', 'tree.tar.gz']);
    expect(() => verifyBundle(unsigned, opts())).toThrow(/is not signed \(no aios-bundle\.sig\)/);
  });

  it('refuses a bundle signed by a key that is not trusted, and one with no trusted keys at all', () => {
    const other = makeBundle({
      tree: join(dir, 'tree'),
      key: join(dir, 'stranger.pem'),
      out: join(dir, 'stranger.aios'),
      version: '1.2.0',
    });
    expect(() => verifyBundle(other, opts())).toThrow(/signed by key [0-9a-f]{16}, which is not trusted here/);
    const empty = join(dir, 'no-keys');
    mkdirSync(empty, { recursive: true });
    expect(() => verifyBundle(good, opts({ keysDir: empty }))).toThrow(/no trusted update keys in/);
  });

  it("refuses a signature made by another key under the trusted key's id", () => {
    const stranger = join(dir, 'stranger.aios');
    const forged = reforge(good, join(dir, 'forged.aios'), (d) => {
      const mine = JSON.parse(readFileSync(join(d, 'aios-bundle.sig'), 'utf8')) as { keyId: string };
      const tmp = mkdtempSync(join(tmpdir(), 'aios-sig-'));
      execFileSync('tar', ['-xf', stranger, '-C', tmp, 'aios-bundle.sig']);
      const theirs = JSON.parse(readFileSync(join(tmp, 'aios-bundle.sig'), 'utf8')) as { signature: string };
      writeFileSync(join(d, 'aios-bundle.sig'), JSON.stringify({ ...theirs, keyId: mine.keyId, algorithm: 'ed25519' }));
    });
    expect(() => verifyBundle(forged, opts())).toThrow(/the signature does not match the manifest/);
  });

  it('refuses a manifest changed after signing, and a tree changed after signing', () => {
    const manifest = reforge(good, join(dir, 'manifest.aios'), (d) => {
      const m = JSON.parse(readFileSync(join(d, 'aios-bundle.json'), 'utf8')) as { version: string };
      writeFileSync(join(d, 'aios-bundle.json'), JSON.stringify({ ...m, version: '9.9.9' }));
    });
    expect(() => verifyBundle(manifest, opts())).toThrow(/the signature does not match the manifest/);
    const tree = reforge(good, join(dir, 'tree.aios'), (d) => {
      const t = join(d, 'unpacked');
      mkdirSync(t);
      execFileSync('tar', ['-xzf', join(d, 'tree.tar.gz'), '-C', t]);
      writeFileSync(join(t, 'bin', 'aios-init.js'), 'require("child_process").execSync("id")\n');
      execFileSync('tar', ['-C', t, '-czf', join(d, 'tree.tar.gz'), '.']);
    });
    expect(() => verifyBundle(tree, opts())).toThrow(/is not the one the manifest was signed for/);
    const cut = join(dir, 'cut.aios');
    writeFileSync(cut, readFileSync(good).subarray(0, 3000));
    expect(() => verifyBundle(cut, opts())).toThrow(/is not an aiOS update bundle/);
  });

  it('refuses a downgrade unless asked for, and a bundle built for another Node ABI', () => {
    expect(() => verifyBundle(good, opts({ currentVersion: '1.10.0' }))).toThrow(
      /older than the running 1\.10\.0: a downgrade is refused unless asked for with --allow-downgrade/,
    );
    expect(verifyBundle(good, opts({ currentVersion: '1.10.0', allowDowngrade: true })).manifest.version).toBe('1.2.0');
    expect(() => verifyBundle(good, opts({ nodeModules: '1' }))).toThrow(/cannot load its native modules/);
    expect(compareVersions('1.2.0', '1.2.0-rc1')).toBe(1);
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1);
  });

  it('installs into a slot through a staging directory, replacing what was there; a refused bundle leaves the slot alone', async () => {
    const slots = join(dir, 'slots');
    mkdirSync(join(slots, 'b'), { recursive: true });
    writeFileSync(join(slots, 'b', 'old-file'), 'from before');
    const { copy, verified } = receiveBundle(good, slots, opts());
    await installSlot(copy, verified, slots, 'b');
    expect(readdirSync(join(slots, 'b')).sort()).toEqual([
      'aios-bundle.json',
      'aios-bundle.sig',
      'bin',
      'dist',
      'package.json',
    ]);
    expect(readdirSync(slots).filter((n) => n.startsWith('.staging') || n.startsWith('.retired'))).toEqual([]);
    const before = readdirSync(join(slots, 'b')).sort();
    expect(() => receiveBundle(join(dir, 'manifest.aios'), slots, opts())).toThrow(/does not match/);
    expect(readdirSync(join(slots, 'b')).sort()).toEqual(before);
    expect(existsSync(join(slots, '.incoming.aios'))).toBe(false);
    // Root copies what an admin names: a device is refused before a byte is read.
    expect(() => receiveBundle('/dev/zero', slots, opts())).toThrow(/\/dev\/zero is not a regular file/);
  });
});
