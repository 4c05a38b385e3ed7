// The ledger's signing key: Ed25519, kept in the state directory (private key 0600), so that
// signed checkpoints pin the chain's head. Rewriting or truncating the ledger then needs the
// private key too, and an exported public key lets anyone check a copy elsewhere.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';

export const KEY_FILE = 'audit-key.pem';
export const PUBLIC_KEY_FILE = 'audit-key.pub.pem';

export interface Checkpoint {
  seq: number;
  hash: string;
  ts: string;
  keyId: string;
  signature: string;
}

/** What a checkpoint's signature covers: the chain head at seq, when, and which key. */
export function checkpointMessage(c: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(`aios-audit-checkpoint\n${c.seq}\n${c.hash}\n${c.ts}\n${c.keyId}\n`);
}

/**
 * A signed statement that entries `from`..`to` were whole when they were sealed, so that
 * collection may archive them out of the database: the chain before them ended at `prevHash`
 * and entry `to` hashed to `hash`. Verify then starts the chain at `to + 1` from `hash`.
 */
export interface Seal {
  from: number;
  to: number;
  prevHash: string;
  hash: string;
  ts: string;
  keyId: string;
  signature: string;
}

export function sealMessage(s: Omit<Seal, 'signature'>): Buffer {
  return Buffer.from(`aios-audit-seal\n${s.from}\n${s.to}\n${s.prevHash}\n${s.hash}\n${s.ts}\n${s.keyId}\n`);
}

export function verifySeal(publicKeyPem: string, s: Seal): boolean {
  return verifyMessage(publicKeyPem, sealMessage(s), s.signature);
}

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function verifyCheckpoint(publicKeyPem: string, c: Checkpoint): boolean {
  return verifyMessage(publicKeyPem, checkpointMessage(c), c.signature);
}

function verifyMessage(publicKeyPem: string, message: Buffer, signature: string): boolean {
  try {
    return verify(null, message, createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export class AuditSigner {
  readonly keyId: string;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKeyPem: string,
  ) {
    this.keyId = keyIdOf(publicKeyPem);
  }

  /** Loads the key from `dir`, or makes one there (private key readable by its owner only). */
  static loadOrCreate(dir: string): AuditSigner {
    const privPath = join(dir, KEY_FILE);
    const pubPath = join(dir, PUBLIC_KEY_FILE);
    if (existsSync(privPath)) {
      const priv = createPrivateKey(readFileSync(privPath));
      const pub = createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString();
      if (!existsSync(pubPath)) writeAtomic(pubPath, pub, 0o644);
      return new AuditSigner(priv, pub);
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(privPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeAtomic(pubPath, pub, 0o644);
    return new AuditSigner(privateKey, pub);
  }

  sign(c: Omit<Checkpoint, 'signature' | 'keyId'>): Checkpoint {
    const unsigned = { ...c, keyId: this.keyId };
    return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), this.privateKey).toString('base64') };
  }

  seal(s: Omit<Seal, 'signature' | 'keyId'>): Seal {
    const unsigned = { ...s, keyId: this.keyId };
    return { ...unsigned, signature: sign(null, sealMessage(unsigned), this.privateKey).toString('base64') };
  }
}

export function writeAtomic(path: string, text: string, mode: number): void {
  writeFileAtomicSync(path, text, { mode });
}
