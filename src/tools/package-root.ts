// The package root: the tree apt and dpkg act on. "/" is the node itself; another directory is a
// Debian tree (an image being built, a chroot) that [packages] root names, and every apt and dpkg
// command then runs inside it through chroot(8), with that tree's own sources and database.
import { join } from 'node:path';

export const NODE_ROOT = '/';

/** The argv that runs `argv` against the package root. */
export function inRoot(root: string, argv: readonly string[]): string[] {
  return root === NODE_ROOT ? [...argv] : ['chroot', root, ...argv];
}

/** Where a path inside the package root is, seen from the node. */
export function hostPath(root: string, path: string): string {
  return root === NODE_ROOT ? path : join(root, path);
}

/** "" for the node, " in the package root /srv/image (chroot)" otherwise: for previews and messages. */
export function rootNote(root: string): string {
  return root === NODE_ROOT ? '' : ` in the package root ${root} (chroot)`;
}
