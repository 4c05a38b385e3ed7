// A directory declared writable whole (shell.exec's writeDirs): every path in its tree, as
// lstat sees it (a link is a path of its own, never followed), parents before what they hold.
// The step snapshots them all, and a rollback removes what is there now and was not then.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The root and everything under it, names sorted; an unreadable directory is listed but not entered. */
export function treePaths(root: string): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    out.push(path);
    let isDir: boolean;
    try {
      isDir = lstatSync(path).isDirectory();
    } catch {
      return;
    }
    if (!isDir) return;
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      return;
    }
    for (const name of names) visit(join(path, name));
  };
  visit(root);
  return out;
}

/** Whether `path` is `root` or inside it. */
export const inTree = (root: string, path: string): boolean =>
  path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
