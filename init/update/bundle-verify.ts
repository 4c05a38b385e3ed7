// Checks an update bundle before any of it is used: signed by a trusted key, the manifest as
// signed, the tree as the manifest says, built for this Node, and not older than what runs
// (unless a downgrade is asked for by name). Every refusal says what is wrong and what to do.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf } from '../../src/memory/audit-signing.js';
import {
  BundleManifest,
  BundleSignature,
  MANIFEST_MEMBER,
  PAYLOAD_MEMBER,
  SIGNATURE_MEMBER,
  signedMessage,
} from './bundle-format.js';
import { readMember, tarMembers, type TarMember } from './ustar.js';

/** A bundle that must not be installed, and why. */
export class BundleRefused extends Error {
  override readonly name = 'BundleRefused';
}

export interface VerifiedBundle {
  manifest: BundleManifest;
  keyId: string;
  /** Which trusted key file signed it. */
  keyFile: string;
  payload: TarMember;
  manifestMember: TarMember;
  signatureMember: TarMember;
}

export interface VerifyOptions {
  /** Directory of trusted public keys (PEM, *.pub or *.pem): /etc/aios/update-keys. */
  keysDir: string;
  /** The version that runs now; a bundle older than it is a downgrade. null: nothing to compare with. */
  currentVersion: string | null;
  allowDowngrade: boolean;
  /** The Node ABI this node runs (process.versions.modules). */
  nodeModules?: string;
}

/** Numeric comparison of x.y.z; a pre-release (1.2.3-rc1) sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number[], string] => {
    const [core = '', pre = ''] = v.split(/[-+]/, 2);
    return [core.split('.').map((n) => Number(n) || 0), v.includes('-') ? pre : ''];
  };
  const [ca, pa] = parse(a);
  const [cb, pb] = parse(b);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (pa === pb) return 0;
  if (pa === '') return 1;
  if (pb === '') return -1;
  return pa < pb ? -1 : 1;
}

/** Every trusted key in the directory, by key id. */
export function trustedKeys(keysDir: string): Map<string, { file: string; pem: string }> {
  const keys = new Map<string, { file: string; pem: string }>();
  if (!existsSync(keysDir)) return keys;
  for (const name of readdirSync(keysDir).sort()) {
    if (!/\.(pub|pem)$/.test(name)) continue;
    const file = join(keysDir, name);
    try {
      const pem = readFileSync(file, 'utf8');
      if (createPublicKey(pem).asymmetricKeyType !== 'ed25519') continue;
      keys.set(keyIdOf(pem), { file, pem });
    } catch {
      // Not a public key (a private key left there by mistake is not trusted either).
    }
  }
  return keys;
}

export function sha256OfRange(file: string, offset: number, bytes: number): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let done = 0;
    while (done < bytes) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - done), offset + done);
      if (n <= 0) throw new BundleRefused('the bundle ends before its tree does (cut short?)');
      hash.update(buf.subarray(0, n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function verifyBundle(file: string, o: VerifyOptions): VerifiedBundle {
  let members: TarMember[];
  try {
    members = tarMembers(file);
  } catch (err) {
    throw new BundleRefused(
      `${file} is not an aiOS update bundle (${(err as Error).message}); make one with npm run bundle -- --key KEY`,
    );
  }
  const names = members.map((m) => m.name);
  const member = (name: string): TarMember | undefined => members.find((m) => m.name === name);
  const manifestMember = member(MANIFEST_MEMBER);
  const payload = member(PAYLOAD_MEMBER);
  if (manifestMember === undefined || payload === undefined)
    throw new BundleRefused(
      `${file} is not an aiOS update bundle: it holds ${names.join(', ') || 'nothing'}, not ${MANIFEST_MEMBER} and ${PAYLOAD_MEMBER}`,
    );
  const extra = names.filter((n) => ![MANIFEST_MEMBER, SIGNATURE_MEMBER, PAYLOAD_MEMBER].includes(n));
  if (extra.length > 0) throw new BundleRefused(`${file} holds members a bundle does not have: ${extra.join(', ')}`);
  const sigMember = member(SIGNATURE_MEMBER);
  if (sigMember === undefined)
    throw new BundleRefused(
      `${file} is not signed (no ${SIGNATURE_MEMBER}): only signed bundles are installed; sign it with npm run bundle -- --key KEY`,
    );
  if (sigMember.bytes > 4096 || manifestMember.bytes > 64 * 1024 * 1024)
    throw new BundleRefused(`${file}: its signature or manifest is too large to be one`);
  const parsedSig = BundleSignature.safeParse(jsonOf(readMember(file, sigMember)));
  if (!parsedSig.success) throw new BundleRefused(`${file}: ${SIGNATURE_MEMBER} is not a bundle signature`);
  const sig = parsedSig.data;

  const keys = trustedKeys(o.keysDir);
  if (keys.size === 0)
    throw new BundleRefused(
      `no trusted update keys in ${o.keysDir}: put the public key of whoever signs bundles there (NAME.pub, PEM) to install signed bundles`,
    );
  const key = keys.get(sig.keyId);
  if (key === undefined)
    throw new BundleRefused(
      `${file} is signed by key ${sig.keyId}, which is not trusted here (trusted: ${[...keys.keys()].join(', ')} in ${o.keysDir})`,
    );
  const manifestBytes = readMember(file, manifestMember);
  let good = false;
  try {
    good = verify(null, signedMessage(manifestBytes), createPublicKey(key.pem), Buffer.from(sig.signature, 'base64'));
  } catch {
    good = false;
  }
  if (!good)
    throw new BundleRefused(
      `${file}: the signature does not match the manifest: it was changed after signing, or signed by another key than ${sig.keyId}`,
    );
  const parsed = BundleManifest.safeParse(jsonOf(manifestBytes));
  if (!parsed.success)
    throw new BundleRefused(
      `${file}: the signed manifest is not one this aiOS reads (${parsed.error.issues[0]?.message})`,
    );
  const manifest = parsed.data;
  if (
    manifest.payload.bytes !== payload.bytes ||
    sha256OfRange(file, payload.offset, payload.bytes) !== manifest.payload.sha256
  )
    throw new BundleRefused(
      `${file}: the tree (${PAYLOAD_MEMBER}) is not the one the manifest was signed for: it was changed after signing`,
    );
  const modules = o.nodeModules ?? process.versions.modules;
  if (manifest.node.modules !== modules)
    throw new BundleRefused(
      `${file} was built for Node ${manifest.node.version} (ABI ${manifest.node.modules}); this node runs Node ${process.version} (ABI ${modules}), which cannot load its native modules: build the bundle with this node's Node`,
    );
  if (o.currentVersion !== null && compareVersions(manifest.version, o.currentVersion) < 0 && !o.allowDowngrade)
    throw new BundleRefused(
      `${file} holds aiOS ${manifest.version}, older than the running ${o.currentVersion}: a downgrade is refused unless asked for with --allow-downgrade (the state database is never migrated back)`,
    );
  return { manifest, keyId: sig.keyId, keyFile: key.file, payload, manifestMember, signatureMember: sigMember };
}

function jsonOf(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
}
