import { lstatSync, type BigIntStats, type Stats } from 'node:fs';

/** lstat that answers null for a path that is not there (ENOENT, or a parent that is not a directory). */
export function lstatOrNull(path: string): Stats | null;
/** The same with nanosecond times (bigint). */
export function lstatOrNull(path: string, bigint: true): BigIntStats | null;
export function lstatOrNull(path: string, bigint = false): Stats | BigIntStats | null {
  try {
    return bigint ? lstatSync(path, { bigint: true }) : lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
