// The update bundle (`npm run bundle`, scripts/bundle.mjs): an uncompressed ustar archive of
// exactly three members, in this order: the manifest (JSON), its Ed25519 signature, and the
// slot's tree as a gzipped tar. The signature covers the manifest; the manifest covers the
// tree (its sha256) and every file in it (path, mode, size, sha256), so nothing of a bundle is
// unpacked before the signature and the tree's hash are checked. Data only.
import { z } from 'zod';

export const MANIFEST_MEMBER = 'aios-bundle.json';
export const SIGNATURE_MEMBER = 'aios-bundle.sig';
export const PAYLOAD_MEMBER = 'tree.tar.gz';
export const BUNDLE_FORMAT = 'aios-bundle/1';

/** What the signature covers: a fixed prefix (so no other aiOS key or message can pass for one), then the manifest's bytes. */
export function signedMessage(manifestBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from('aios-bundle\n'), manifestBytes]);
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
// Relative, no "..", no empty or absolute parts: a manifest cannot name a path outside the slot.
const TreePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), {
    message: 'a path inside the slot, relative, without . or .. parts',
  });

export const BundleManifest = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  name: z.literal('aios'),
  version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'a version such as 1.2.3'),
  commit: z.string().max(64),
  builtAt: z.string(),
  /** The Node the native modules were built for: a node with another ABI could not load them. */
  node: z.strictObject({ version: z.string(), modules: z.string(), platform: z.string(), arch: z.string() }),
  payload: z.strictObject({ sha256: Sha256, bytes: z.number().int().nonnegative() }),
  files: z.array(
    z.strictObject({
      path: TreePath,
      mode: z.number().int().min(0).max(0o7777),
      bytes: z.number().int().nonnegative(),
      sha256: Sha256,
    }),
  ),
  links: z.array(z.strictObject({ path: TreePath, target: z.string().min(1).max(4096) })),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

export const BundleSignature = z.strictObject({
  algorithm: z.literal('ed25519'),
  /** The first 16 hex digits of the sha256 of the public key (SPKI DER), as the audit keys are named. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().max(200),
});
export type BundleSignature = z.infer<typeof BundleSignature>;
