// Every change install makes goes through here: the original is backed up byte for byte
// (with its mode and owner) before the first write, the new content is written to a temporary
// file and renamed into place, and each change is recorded for the manifest.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';
import { backupName, MANIFEST_DIR, sha256, type FileManifestEntry, type ManifestEntry } from './manifest.js';
import { applyEdit, type TextEdit } from './text-edits.js';

/** Writes `data` to `file` through a temporary file and a rename, with the given mode and owner. */
export function writeAtomically(
  file: string,
  data: Buffer | string,
  mode: number,
  owner: { uid: number; gid: number } | null,
): void {
  writeFileAtomicSync(file, data, { mode, owner });
}

export class FileChanges {
  readonly entries: ManifestEntry[] = [];

  constructor(private readonly root: string) {}

  private real(path: string): string {
    return join(this.root, path);
  }

  /** Creates the missing directories of `dir`, recording each for uninstall. */
  ensureDir(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !existsSync(this.real(d)); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(this.real(d), { mode: 0o755 });
      this.entries.push({ kind: 'dir', path: d });
    }
  }

  /** Applies text edits to a file (created empty when missing). */
  edit(path: string, edits: TextEdit[], newMode = 0o644): void {
    this.change(path, (old) => edits.reduce((t, e) => applyEdit(t, e), old), edits, newMode);
  }

  /** Writes a whole file that aiOS owns (a wrapper, a unit, a drop-in). */
  write(path: string, content: string, mode: number): void {
    this.change(path, () => content, [{ type: 'whole-file' }], mode, mode);
  }

  symlink(path: string, target: string): void {
    const real = this.real(path);
    let existing: string | null = null;
    try {
      existing = lstatSync(real).isSymbolicLink() ? readlinkSync(real) : '(not a link)';
    } catch {
      /* absent */
    }
    if (existing === target) return; // already enabled; not ours to remove
    if (existing !== null)
      throw new Error(`${path} exists and is not a link to ${target}; move it away and install again`);
    this.ensureDir(dirname(path));
    symlinkSync(target, real);
    this.entries.push({ kind: 'symlink', path, target });
  }

  private change(
    path: string,
    next: (old: string) => string,
    edits: TextEdit[],
    newMode: number,
    forceMode?: number,
  ): void {
    // A second change would back up the first one's result instead of the original.
    if (this.entries.some((e) => e.kind === 'file' && e.path === path))
      throw new Error(`${path} is changed twice in one install`);
    const real = this.real(path);
    let before: FileManifestEntry['before'] = null;
    let old = '';
    if (existsSync(real)) {
      const st = lstatSync(real);
      if (!st.isFile()) throw new Error(`${path} is not a regular file; aios-init install edits only regular files`);
      const bytes = readFileSync(real);
      old = bytes.toString('utf8');
      const backup = backupName(path);
      const backupFile = join(this.root, MANIFEST_DIR, backup);
      mkdirSync(dirname(backupFile), { recursive: true, mode: 0o700 });
      copyFileSync(real, backupFile);
      chmodSync(backupFile, 0o600);
      before = { sha256: sha256(bytes), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, backup };
    } else {
      this.ensureDir(dirname(path));
    }
    const content = next(old);
    const mode = forceMode ?? before?.mode ?? newMode;
    writeAtomically(real, content, mode, before === null ? null : { uid: before.uid, gid: before.gid });
    this.entries.push({ kind: 'file', path, before, afterSha256: sha256(content), edits });
  }
}
