// Where a snapshot and its restore act on a path: every directory on the way resolved when the
// snapshot is taken (links followed, as the path meant then), the last component kept as it is
// (a link there is recorded as a link). A restore reaches each parent from / with O_NOFOLLOW
// (nofollow-dirs.ts): a path recorded through a link, say /srv/data -> /data/x, could never be
// restored (the link on the way is refused), while the real path can; and a link an attacker
// swaps in on that real path after the snapshot is refused all the same.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `path` (absolute, normalized) with its directories resolved; what does not exist yet is kept as named below the part that does. */
export function onDisk(path: string): string {
  const rest = [basename(path)];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      return join(realpathSync(dir), ...rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dir === '/') return path;
      rest.unshift(basename(dir));
    }
  }
}

/**
 * A directory recorded whole: the directory it names, a link to one followed, and the link
 * itself when it is one (recorded too, so that a rollback puts a repointed link back).
 */
export function treeRoot(root: string): { dir: string; link: string | null } {
  const isLink = lstatSync(root, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  const isDir = statSync(root, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isLink || !isDir) return { dir: onDisk(root), link: null };
  return { dir: realpathSync(root), link: onDisk(root) };
}
