import { lstatSync, type Stats } from 'node:fs';

/** lstat that answers null for a path that is not there (ENOENT, or a parent that is not a directory). */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
