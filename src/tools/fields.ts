// Argument fields that several tools share, so their rules and wording match everywhere.
import { resolve } from 'node:path';
import { z } from 'zod';
import { pathTextProblem } from '../policy/path-guard.js';

/**
 * Absolute, plain text (no control, bidi or invisible characters), NFC, and normalised
 * ('/etc/../etc/x' becomes '/etc/x') once parsed.
 */
export function absolutePath(description: string) {
  return (
    z
      .string()
      .min(1, 'path is empty')
      // A regex rather than a refine: the pattern reaches the JSON Schema the model reads.
      .regex(/^\//, 'must be an absolute path (starting with /)')
      .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL byte' })
      .superRefine((p, ctx) => {
        const problem = pathTextProblem(p);
        if (problem !== null)
          ctx.addIssue({ code: 'custom', message: `path ${problem}; write it in plain characters` });
      })
      .transform((p) => resolve(p.normalize('NFC')))
      .describe(description)
  );
}

/** Permission bits as `ls -l` readers write them: "644", "0755", "1777". */
export const octalMode = z
  .string()
  .regex(/^[0-7]{3,4}$/, 'must be an octal mode such as "644" or "0755"')
  .describe('Permission bits in octal, e.g. "644" or "0600"');

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** A systemd unit or service name: no paths, no options, no shell characters. */
export const unitName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.@\\-]{0,254}$/, 'must be a unit name such as "nginx" or "ssh.service"')
  .describe('Service (unit) name, e.g. "nginx" or "ssh.service"');

/** A Debian package name, optionally with :arch, as apt and dpkg accept it. */
export const packageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/, 'must be a Debian package name such as "nginx" or "libc6:amd64"')
  .describe('Package name, e.g. "nginx"');
