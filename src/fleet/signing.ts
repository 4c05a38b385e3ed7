// Ed25519 (node:crypto) for everything a person or a node says on the bus: a signed envelope
// names its signer's public key, the node it is for, when, and a nonce, so a node can check
// who asked, that it is meant for it, that it is fresh, and that it was not seen before.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { canonicalJson } from '../text/canonical-json.js';

/** The raw 32-byte public key, base64url: what [fleet] people lists and envelopes carry. */
export type PublicKeyText = string;

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyText(key: KeyObject): PublicKeyText {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_PREFIX.length).toString('base64url');
}

// Parsed keys by their text: the same few keys sign everything on the bus, and parsing one costs
// more than checking a signature with it (measured in bench/fleet.ts: most of an initiator's verify time).
const parsedKeys = new Map<PublicKeyText, KeyObject | null>();

function publicKeyOf(text: PublicKeyText): KeyObject | null {
  const known = parsedKeys.get(text);
  if (known !== undefined) return known;
  const raw = Buffer.from(text, 'base64url');
  let key: KeyObject | null = null;
  if (raw.length === 32)
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
  // Bounded, so a flood of made-up signers cannot grow it: dropped whole, re-parsed as needed.
  if (parsedKeys.size >= 20_000) parsedKeys.clear();
  parsedKeys.set(text, key);
  return key;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: PublicKeyText;
}

/**
 * The Ed25519 key in `file` (PKCS#8 PEM, 0600), made there if it is not there yet. Made with
 * fsync and rename: a key written plainly on a node's first boot and then cut off by a power
 * loss came back as an empty file (ext4 writes new files' data back up to 30 s later), which
 * no later start could read. An empty file is such a lost key and is made again (`note` says
 * so); any other unreadable file is refused with what to do, never overwritten.
 */
export function loadOrCreateKey(file: string, note: (line: string) => void = () => undefined): SigningKey {
  const size = existsSync(file) ? statSync(file).size : null;
  if (size === null || size === 0) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileAtomicSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    if (size === 0)
      note(
        `${file} was empty (lost to a power cut before it reached the disk): made a new key; a node that had joined a hub must join again`,
      );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new Error(
      `${file} is not an Ed25519 private key in PEM (${(err as Error).message}): move it aside and start again to make a new one (a node that had joined a hub must then join again)`,
    );
  }
  return { privateKey, publicKey: publicKeyText(privateKey) };
}

export interface Envelope<T> {
  /** What it is: goal, approve, rollback, rpc (from a person); plan, progress, result (from a node). */
  kind: string;
  /** The node it is for (from a person) or from (from a node). */
  node: string;
  /** Milliseconds since the epoch, when it was signed. */
  ts: number;
  nonce: string;
  signer: PublicKeyText;
  body: T;
  sig: string;
}

const message = (e: Omit<Envelope<unknown>, 'sig'>): Buffer =>
  Buffer.from(
    `aios-fleet-v1\n${canonicalJson({ kind: e.kind, node: e.node, ts: e.ts, nonce: e.nonce, signer: e.signer, body: e.body })}`,
  );

export function seal<T>(key: SigningKey, kind: string, node: string, body: T, now = Date.now()): Envelope<T> {
  const unsigned = { kind, node, ts: now, nonce: randomBytes(12).toString('base64url'), signer: key.publicKey, body };
  return { ...unsigned, sig: sign(null, message(unsigned), key.privateKey).toString('base64url') };
}

/** True when `e` was signed by the key it names; says nothing about whether that key is trusted. */
export function signatureHolds(e: Envelope<unknown>): boolean {
  const key = publicKeyOf(e.signer);
  if (key === null || typeof e.sig !== 'string') return false;
  try {
    return verify(null, message(e), key, Buffer.from(e.sig, 'base64url'));
  } catch {
    return false;
  }
}

/** Parses bytes off the bus into an envelope's shape, or null (anything else is ignored, and said). */
export function parseEnvelope(data: Uint8Array): Envelope<unknown> | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
    if (
      typeof v['kind'] !== 'string' ||
      typeof v['node'] !== 'string' ||
      typeof v['ts'] !== 'number' ||
      typeof v['nonce'] !== 'string' ||
      typeof v['signer'] !== 'string' ||
      typeof v['sig'] !== 'string' ||
      !('body' in v)
    )
      return null;
    return v as unknown as Envelope<unknown>;
  } catch {
    return null;
  }
}

export const encodeEnvelope = (e: Envelope<unknown>): Uint8Array => new TextEncoder().encode(JSON.stringify(e));
