// Checksums of everything a change could touch: existence, type, content, mode, owner and link
// target, path by path. Equal fingerprints before and after a rollback mean it came back exactly.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function fingerprint(paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      out[p] = 'absent';
      continue;
    }
    const what = st.isSymbolicLink()
      ? `link:${readlinkSync(p)}`
      : st.isDirectory()
        ? 'dir'
        : `file:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    out[p] = `${what} mode=${(st.mode & 0o7777).toString(8)} owner=${st.uid}:${st.gid}`;
  }
  return out;
}

/** Every path under root (root included), fingerprinted. */
export function fingerprintTree(root: string): Record<string, string> {
  const paths: string[] = [];
  const walk = (p: string): void => {
    paths.push(p);
    const st = lstatSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
  };
  walk(root);
  return fingerprint(paths);
}
