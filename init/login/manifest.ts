// What `aios-init install` changed, kept beside byte-for-byte backups so that uninstall can
// put every file back: /var/lib/aios-init/install.json and /var/lib/aios-init/backup/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';
import { z } from 'zod';

export const MANIFEST_DIR = '/var/lib/aios-init';

const TextEditSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ensure-line'), line: z.string() }),
  z.object({ type: z.literal('set-shell'), user: z.string(), from: z.string(), to: z.string() }),
  z.object({ type: z.literal('add-line'), line: z.string() }),
  z.object({ type: z.literal('add-member'), group: z.string(), user: z.string() }),
  z.object({ type: z.literal('whole-file') }),
]);

const FileEntry = z.object({
  kind: z.literal('file'),
  path: z.string(),
  /** null: the file did not exist before install. */
  before: z
    .object({ sha256: z.string(), mode: z.number(), uid: z.number(), gid: z.number(), backup: z.string() })
    .nullable(),
  afterSha256: z.string(),
  edits: z.array(TextEditSchema),
});

const LinkEntry = z.object({ kind: z.literal('symlink'), path: z.string(), target: z.string() });
const DirEntry = z.object({ kind: z.literal('dir'), path: z.string() });

export const Manifest = z.object({
  version: z.literal(1),
  installedAt: z.string(),
  users: z.array(z.string()),
  /** In the order they were made; uninstall walks them backwards. */
  entries: z.array(z.discriminatedUnion('kind', [FileEntry, LinkEntry, DirEntry])),
});
export type Manifest = z.infer<typeof Manifest>;
export type ManifestEntry = Manifest['entries'][number];
export type FileManifestEntry = z.infer<typeof FileEntry>;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function manifestFile(root: string): string {
  return join(root, MANIFEST_DIR, 'install.json');
}

/** Where the backup of `path` (a path on the target system) is kept, relative to the manifest dir. */
export function backupName(path: string): string {
  return join('backup', path);
}

export function readManifest(root: string): Manifest | null {
  let text: string;
  try {
    text = readFileSync(manifestFile(root), 'utf8');
  } catch {
    return null;
  }
  const parsed = Manifest.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `${manifestFile(root)} is not an aios-init install manifest (${parsed.error.issues[0]?.message ?? 'invalid'}); restore the files from ${join(root, MANIFEST_DIR, 'backup')} by hand`,
    );
  return parsed.data;
}

export function writeManifest(root: string, manifest: Manifest): void {
  const file = manifestFile(root);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
}
