// `aios-init uninstall`: puts back every file install touched, newest change first. A file
// nobody changed since install gets its original bytes, mode and owner back from the backup.
// A file someone else changed since keeps their change: only aiOS's edits are taken out.
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from './file-changes.js';
import {
  MANIFEST_DIR,
  manifestFile,
  readManifest,
  sha256,
  type FileManifestEntry,
  type ManifestEntry,
} from './manifest.js';
import { revertEdit } from './text-edits.js';

export interface UninstallReport {
  restored: string[];
  removed: string[];
  /** Things left in place, each with the reason. */
  kept: string[];
}

function undoFile(root: string, e: FileManifestEntry, report: UninstallReport): void {
  const real = join(root, e.path);
  const current = existsSync(real) ? readFileSync(real) : null;
  const untouched = current === null || sha256(current) === e.afterSha256;
  if (untouched) {
    if (e.before === null) {
      if (current !== null) {
        unlinkSync(real);
        report.removed.push(e.path);
      }
      return;
    }
    const original = readFileSync(join(root, MANIFEST_DIR, e.before.backup));
    writeAtomically(real, original, e.before.mode, { uid: e.before.uid, gid: e.before.gid });
    report.restored.push(e.path);
    return;
  }
  let text = current.toString('utf8');
  const reasons: string[] = [];
  for (const edit of [...e.edits].reverse()) {
    const r = revertEdit(text, edit);
    text = r.text;
    if (r.kept !== null) reasons.push(r.kept);
  }
  if (reasons.length > 0) report.kept.push(`${e.path}: ${reasons.join('; ')}`);
  if (text !== current.toString('utf8')) {
    const st = lstatSync(real);
    writeAtomically(real, text, st.mode & 0o7777, { uid: st.uid, gid: st.gid });
    report.restored.push(`${e.path} (changed since install: aiOS's edits taken out, the other changes kept)`);
  }
}

function undo(root: string, e: ManifestEntry, report: UninstallReport): void {
  const real = join(root, e.path);
  switch (e.kind) {
    case 'file':
      undoFile(root, e, report);
      return;
    case 'symlink': {
      let target: string | null = null;
      try {
        target = readlinkSync(real);
      } catch {
        /* gone */
      }
      if (target === e.target) {
        unlinkSync(real);
        report.removed.push(e.path);
      } else if (target !== null) {
        report.kept.push(`${e.path}: now points to ${target}; left as it is`);
      }
      return;
    }
    case 'dir':
      if (!existsSync(real)) return;
      if (readdirSync(real).length > 0) {
        report.kept.push(`${e.path}: not empty; left as it is`);
        return;
      }
      rmdirSync(real);
      report.removed.push(e.path);
      return;
  }
}

export function uninstallLogins(root: string): UninstallReport {
  const manifest = readManifest(root);
  if (manifest === null) throw new Error(`nothing to uninstall: no install manifest at ${manifestFile(root)}`);
  const report: UninstallReport = { restored: [], removed: [], kept: [] };
  for (const entry of [...manifest.entries].reverse()) undo(root, entry, report);
  const dir = join(root, MANIFEST_DIR);
  if (report.kept.length === 0) {
    rmSync(dir, { recursive: true, force: true });
  } else {
    // The backups stay for a person to compare; the manifest moves aside so install can run again.
    renameSync(manifestFile(root), join(dir, `uninstalled-${Date.now()}.json`));
  }
  return report;
}
