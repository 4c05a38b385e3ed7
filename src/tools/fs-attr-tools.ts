// fs.chmod, fs.chown and fs.symlink: metadata changes and links, each undone by restoring the
// snapshot of its one path. Links are never followed: a symlink's own owner changes, and
// chmod refuses links (Linux has no lchmod) rather than change what one points to.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  lchownSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { z } from 'zod';
import { pathTextProblem } from '../policy/path-guard.js';
import { absolutePath, formatMode, octalMode } from './fields.js';
import { entryType, fail } from './fs-read-tools.js';
import { guarded } from './fs-write-tools.js';
import { lstatOrNull } from './lstat-or-null.js';
import { parseGroups, parsePasswd } from './procfs.js';
import { defineTool, type Tool } from './tool.js';
import { withParent } from './verified-dir.js';

const SPECIAL_BITS = 0o6000;

const ChmodArgs = z.strictObject({
  path: absolutePath('Absolute path of the file or directory'),
  mode: octalMode,
});

const ChownArgs = z
  .strictObject({
    path: absolutePath('Absolute path of the file, directory or symbolic link (the link itself)'),
    owner: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, 'must be a user name or numeric uid')
      .optional()
      .describe('New owner: user name or uid'),
    group: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, 'must be a group name or numeric gid')
      .optional()
      .describe('New group: group name or gid'),
  })
  .refine((a) => a.owner !== undefined || a.group !== undefined, { message: 'give owner, group or both' });

const SymlinkArgs = z.strictObject({
  path: absolutePath('Absolute path of the link to create'),
  target: z
    .string()
    .min(1)
    .max(4096)
    .superRefine((t, ctx) => {
      const problem = pathTextProblem(t);
      if (problem !== null || t.includes('\0'))
        ctx.addIssue({ code: 'custom', message: `target ${problem ?? 'contains a NUL byte'}` });
    })
    .describe("What the link points to (absolute, or relative to the link's directory)"),
  replace: z.boolean().optional().describe('Replace an existing file or link at path (default false)'),
});

function idOf(name: string, table: Map<number, string>, what: string): number | string {
  if (/^\d+$/.test(name)) return Number(name);
  for (const [id, n] of table) if (n === name) return id;
  return `no ${what} named "${name}" in /etc/${what === 'user' ? 'passwd' : 'group'}`;
}

export function createFsAttrTools(): Tool[] {
  const chmod = defineTool({
    name: 'fs.chmod',
    description:
      'Change the permission bits of one file or directory (not recursive). Symbolic links are refused. Mode is an octal string like "640".',
    schema: ChmodArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    paths: (args) => [{ path: args.path, access: 'write' }],
    hazards: (args) =>
      grantsPrivilege(args.mode)
        ? [
            {
              level: 'admin',
              why: `mode ${args.mode} sets the setuid or setgid bit, which lets anyone run the file with its owner's rights`,
            },
            { level: 'confirm', why: `mode ${args.mode} sets the setuid or setgid bit` },
          ]
        : [],
    preview(args) {
      const st = lstatOrNull(args.path);
      const mode = parseInt(args.mode, 8);
      if (st === null) return Promise.resolve({ summary: `cannot chmod: ${args.path} does not exist` });
      if (st.isSymbolicLink()) return Promise.resolve({ summary: `cannot chmod: ${args.path} is a symbolic link` });
      const special = (mode & SPECIAL_BITS) !== 0 ? ' (sets setuid/setgid)' : '';
      return Promise.resolve({ summary: `chmod ${args.path}: ${formatMode(st.mode)} → ${formatMode(mode)}${special}` });
    },
    execute: (args, ctx) =>
      Promise.resolve(
        guarded(args.path, () =>
          withParent(args.path, ctx, (dir) => {
            const st = lstatOrNull(dir.at(dir.leaf));
            if (st === null) return fail(`no such file or directory: ${dir.leafPath}`);
            if (!st.isFile() && !st.isDirectory())
              return fail(`${dir.leafPath} is a ${entryType(st)}; fs.chmod changes files and directories only`);
            // O_NOFOLLOW: a link swapped in for the leaf since the lstat is refused, not followed.
            const fd = openSync(dir.at(dir.leaf), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
            try {
              fchmodSync(fd, parseInt(args.mode, 8));
            } finally {
              closeSync(fd);
            }
            dir.sync();
            return {
              ok: true as const,
              output: `chmod ${dir.leafPath}: ${formatMode(st.mode)} → ${formatMode(parseInt(args.mode, 8))}`,
              data: { path: dir.leafPath, before: formatMode(st.mode), after: args.mode },
            };
          }),
        ),
      ),
  });

  const chown = defineTool({
    name: 'fs.chown',
    description:
      'Change the owner and/or group of one file, directory or symbolic link (the link itself; not recursive).',
    schema: ChownArgs,
    capabilities: ['fs.admin'],
    risk: 'high',
    reversible: true,
    mutates: true,
    paths: (args) => [{ path: args.path, access: 'write' }],
    preview(args) {
      const st = lstatOrNull(args.path);
      if (st === null) return Promise.resolve({ summary: `cannot chown: ${args.path} does not exist` });
      return Promise.resolve({
        summary: `chown ${args.path}: ${st.uid}:${st.gid} → ${args.owner ?? st.uid}:${args.group ?? st.gid}`,
      });
    },
    execute: (args, ctx) =>
      Promise.resolve(
        guarded(args.path, () => {
          const users = parsePasswd(readFileSync('/etc/passwd', 'utf8'));
          const groups = parseGroups(readFileSync('/etc/group', 'utf8'));
          const uid = args.owner === undefined ? -1 : idOf(args.owner, users, 'user');
          const gid = args.group === undefined ? -1 : idOf(args.group, groups, 'group');
          if (typeof uid === 'string') return fail(uid);
          if (typeof gid === 'string') return fail(gid);
          return withParent(args.path, ctx, (dir) => {
            const st = lstatOrNull(dir.at(dir.leaf));
            if (st === null) return fail(`no such file or directory: ${dir.leafPath}`);
            lchownSync(dir.at(dir.leaf), uid, gid);
            dir.sync();
            const after = `${uid < 0 ? st.uid : uid}:${gid < 0 ? st.gid : gid}`;
            return {
              ok: true as const,
              output: `chown ${dir.leafPath}: ${st.uid}:${st.gid} → ${after}`,
              data: { path: dir.leafPath, before: `${st.uid}:${st.gid}`, after },
            };
          });
        }),
      ),
  });

  const symlink = defineTool({
    name: 'fs.symlink',
    description:
      'Create a symbolic link at path pointing to target; with replace, atomically replace a file or link already there.',
    schema: SymlinkArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    paths: (args) => [{ path: args.path, access: 'write' }],
    preview(args) {
      const st = lstatOrNull(args.path);
      if (st === null) return Promise.resolve({ summary: `create link ${args.path} -> ${args.target}` });
      if (args.replace !== true)
        return Promise.resolve({ summary: `cannot link: ${args.path} exists (pass replace to replace it)` });
      const now = st.isSymbolicLink() ? `link -> ${readlinkSync(args.path)}` : entryType(st);
      return Promise.resolve({ summary: `replace ${args.path} (${now}) with link -> ${args.target}` });
    },
    execute: (args, ctx) =>
      Promise.resolve(
        guarded(args.path, () =>
          withParent(args.path, ctx, (dir) => {
            const st = lstatOrNull(dir.at(dir.leaf));
            if (st !== null && args.replace !== true)
              return fail(`${dir.leafPath} already exists; pass replace: true to replace it`);
            if (st?.isDirectory() === true)
              return fail(`${dir.leafPath} is a directory; fs.symlink never replaces directories`);
            const temp = `.${dir.leaf}.aios-link-${randomBytes(6).toString('hex')}`;
            symlinkSync(args.target, dir.at(temp));
            try {
              renameSync(dir.at(temp), dir.at(dir.leaf));
            } catch (error) {
              unlinkSync(dir.at(temp));
              throw error;
            }
            dir.sync();
            return {
              ok: true as const,
              output: `linked ${dir.leafPath} -> ${args.target}`,
              data: { path: dir.leafPath, target: args.target, replaced: st !== null },
            };
          }),
        ),
      ),
  });

  return [chmod, chown, symlink];
}

/** Setting setuid or setgid bits needs an admin: it is how a file grants its owner's rights. */
export function grantsPrivilege(mode: string): boolean {
  return (parseInt(mode, 8) & SPECIAL_BITS) !== 0;
}
