// Puts a verified bundle's tree into a slot, all or nothing: the bundle is first copied where
// only root can write (so what is checked is what is unpacked), checked, unpacked into a
// staging directory beside the slots, checked file by file against the signed manifest (and
// nothing more), and only then renamed into place. A crash leaves the old slot or the new one,
// never half of one; the slot that runs is never touched.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { MANIFEST_MEMBER, SIGNATURE_MEMBER } from './bundle-format.js';
import { BundleRefused, verifyBundle, type VerifiedBundle, type VerifyOptions } from './bundle-verify.js';
import { readMember } from './ustar.js';
import type { Slot } from '../../src/update/update-settings.js';

const MAX_BUNDLE_BYTES = 4 * 1024 ** 3;

/** Copies the bundle into the slots directory (0600) and verifies the copy. */
export function receiveBundle(
  bundle: string,
  slotsDir: string,
  o: VerifyOptions,
): { copy: string; verified: VerifiedBundle } {
  if (!existsSync(bundle)) throw new BundleRefused(`${bundle} does not exist`);
  // Root copies what an admin names: a device or a FIFO (/dev/zero) would never end, or fill the disk.
  const st = statSync(bundle);
  if (!st.isFile()) throw new BundleRefused(`${bundle} is not a regular file`);
  if (st.size > MAX_BUNDLE_BYTES)
    throw new BundleRefused(`${bundle} is ${st.size} bytes, more than a bundle may be (${MAX_BUNDLE_BYTES})`);
  mkdirSync(slotsDir, { recursive: true });
  const copy = join(slotsDir, '.incoming.aios');
  rmSync(copy, { force: true });
  copyFileSync(bundle, copy);
  chmodSync(copy, 0o600);
  try {
    return { copy, verified: verifyBundle(copy, o) };
  } catch (err) {
    rmSync(copy, { force: true });
    if (err instanceof BundleRefused) throw new BundleRefused(err.message.replaceAll(copy, bundle));
    throw err;
  }
}

function untar(file: string, offset: number, bytes: number, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-xzf', '-', '-C', into, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`tar could not unpack the bundle's tree: ${err.trim() || `exit ${code}`}`)),
    );
    tar.stdin.on('error', () => undefined); // tar's exit says what went wrong
    createReadStream(file, { start: offset, end: offset + bytes - 1 }).pipe(tar.stdin);
  });
}

/** Every path under dir: files and links by relative path, directories skipped. */
function treeOf(dir: string): { files: Set<string>; links: Map<string, string> } {
  const files = new Set<string>();
  const links = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) links.set(relative(dir, p), readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else files.add(relative(dir, p));
    }
  };
  walk(dir);
  return { files, links };
}

/** Unpacks the verified bundle into `slot`, replacing what was there; the staging directory is renamed in last. */
export async function installSlot(copy: string, verified: VerifiedBundle, slotsDir: string, slot: Slot): Promise<void> {
  const staging = join(slotsDir, `.staging-${slot}`);
  const retired = join(slotsDir, `.retired-${slot}`);
  rmSync(staging, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o755 });
  try {
    await untar(copy, verified.payload.offset, verified.payload.bytes, staging);
    const { manifest } = verified;
    const found = treeOf(staging);
    for (const f of manifest.files) {
      const p = join(staging, f.path);
      if (!found.files.delete(f.path)) throw new BundleRefused(`the tree lacks ${f.path}, which its manifest lists`);
      const data = readFileSync(p);
      if (data.length !== f.bytes || createHash('sha256').update(data).digest('hex') !== f.sha256)
        throw new BundleRefused(`${f.path} in the tree is not the file its manifest lists`);
      chmodSync(p, f.mode);
    }
    for (const l of manifest.links) {
      if (found.links.get(l.path) !== l.target) throw new BundleRefused(`the tree's link ${l.path} is not as listed`);
      found.links.delete(l.path);
    }
    const extra = [...found.files, ...found.links.keys()];
    if (extra.length > 0)
      throw new BundleRefused(`the tree holds ${extra.length} path(s) its manifest does not list, e.g. ${extra[0]}`);
    // The slot keeps what it was installed from: its version for `aios update --status`, its signature for anyone checking.
    writeFileSync(join(staging, MANIFEST_MEMBER), readMember(copy, verified.manifestMember));
    writeFileSync(join(staging, SIGNATURE_MEMBER), readMember(copy, verified.signatureMember));
    const target = join(slotsDir, slot);
    if (existsSync(target)) renameSync(target, retired);
    renameSync(staging, target);
    rmSync(retired, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
