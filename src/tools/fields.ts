// Argument fields that several tools share, so their rules and wording match everywhere.
import { resolve } from 'node:path';
import { z } from 'zod';

/** Absolute, NUL-free, and normalised ('/etc/../etc/x' becomes '/etc/x') once parsed. */
export function absolutePath(description: string) {
  return z.string()
    .min(1, 'path is empty')
    // A regex rather than a refine: the pattern reaches the JSON Schema the model reads.
    .regex(/^\//, 'must be an absolute path (starting with /)')
    .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL byte' })
    .transform((p) => resolve(p))
    .describe(description);
}

/** Permission bits as `ls -l` readers write them: "644", "0755", "1777". */
export const octalMode = z.string()
  .regex(/^[0-7]{3,4}$/, 'must be an octal mode such as "644" or "0755"')
  .describe('Permission bits in octal, e.g. "644" or "0600"');

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}
