// fs.stat and fs.search: what a path is, and which files under a directory match a name
// pattern or contain some text. Both only read; search never opens files policy keeps secret.
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { absolutePath, formatMode } from './fields.js';
import { decodeText, describeFsError, entryType, fail } from './fs-read-tools.js';
import { defineTool, type Tool } from './tool.js';

const MAX_RESULTS = 1000;
const MAX_SCANNED = 100_000;
const MAX_CONTENT_BYTES = 1024 * 1024;

/** fnmatch-style * ? [..] to a RegExp over a file name. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      out += `[${glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

export function createFsInfoTools(opts: { isSecret: (path: string) => boolean }): Tool[] {
  const statTool = defineTool({
    name: 'fs.stat',
    description: 'What a path is: type, size, mode, owner, times, and for a link where it points.',
    schema: z.strictObject({ path: absolutePath('Absolute path to describe') }),
    capabilities: ['fs.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path, access: 'read' }],
    preview: (args) => Promise.resolve({ summary: `describe ${args.path}` }),
    async execute(args) {
      try {
        const st = await lstat(args.path);
        const data: Record<string, unknown> = {
          path: args.path,
          type: entryType(st),
          size: st.size,
          mode: formatMode(st.mode),
          uid: st.uid,
          gid: st.gid,
          inode: st.ino,
          links: st.nlink,
          modified: st.mtime.toISOString(),
          changed: st.ctime.toISOString(),
        };
        if (st.isSymbolicLink()) {
          data['linkTarget'] = await readlink(args.path);
          data['resolves'] = await realpath(args.path).catch(() => null);
        }
        const lines = Object.entries(data).map(([k, v]) => `${k}: ${String(v)}`);
        return { ok: true, output: lines.join('\n'), data };
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
    },
  });

  const search = defineTool({
    name: 'fs.search',
    description:
      'Find files under a directory by name pattern (glob like "*.conf") and/or by text they contain. Does not follow symbolic links.',
    schema: z.strictObject({
      path: absolutePath('Directory to search under'),
      name: z.string().min(1).max(256).optional().describe('File name glob, e.g. "*.conf"'),
      contains: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe('Text the file must contain (plain text, case-sensitive)'),
      maxDepth: z.number().int().min(0).max(64).optional().describe('How deep to descend (default 16)'),
      maxResults: z
        .number()
        .int()
        .min(1)
        .max(MAX_RESULTS)
        .optional()
        .describe('Stop after this many matches (default 200)'),
    }),
    capabilities: ['fs.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path, access: 'read' }],
    preview: (args) =>
      Promise.resolve({
        summary: `search ${args.path}${args.name === undefined ? '' : ` for names like ${args.name}`}${args.contains === undefined ? '' : ` for files containing ${JSON.stringify(args.contains)}`}`,
      }),
    async execute(args, ctx) {
      try {
        if (!(await stat(args.path)).isDirectory()) return fail(`${args.path} is not a directory`);
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
      const nameRe = args.name === undefined ? null : globToRegExp(args.name);
      const limit = args.maxResults ?? 200;
      const matches: { path: string; line?: number; text?: string }[] = [];
      let scanned = 0;
      let skippedSecret = 0;
      const walk = async (dir: string, depth: number): Promise<void> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
          if (matches.length >= limit || scanned >= MAX_SCANNED || ctx.signal.aborted) return;
          scanned += 1;
          const full = join(dir, e.name);
          if (e.isDirectory()) {
            if (depth < (args.maxDepth ?? 16)) await walk(full, depth + 1);
            continue;
          }
          if (nameRe !== null && !nameRe.test(e.name)) continue;
          if (args.contains === undefined) {
            matches.push({ path: full });
            continue;
          }
          if (!e.isFile()) continue;
          if (opts.isSecret(full)) {
            skippedSecret += 1;
            continue;
          }
          const hit = await findText(full, args.contains);
          if (hit !== null) matches.push({ path: full, ...hit });
        }
      };
      await walk(args.path, 0);
      const lines = matches.map((m) => (m.line === undefined ? m.path : `${m.path}:${m.line}: ${m.text ?? ''}`));
      const notes = [
        matches.length >= limit ? `[stopped at ${limit} matches]` : '',
        skippedSecret > 0 ? `[${skippedSecret} protected file(s) not searched]` : '',
      ].filter(Boolean);
      const output = [matches.length === 0 ? 'no matches' : lines.join('\n'), ...notes].join('\n');
      return { ok: true, output, data: { matches, scanned, skippedSecret } };
    },
  });

  return [statTool, search];
}

/** The first line holding `needle`, in a text file of at most 1 MiB; null otherwise. */
async function findText(path: string, needle: string): Promise<{ line: number; text: string } | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    const st = await handle.stat();
    if (st.size > MAX_CONTENT_BYTES) return null;
    const text = decodeText(await handle.readFile());
    if (text === null) return null;
    const idx = text.indexOf(needle);
    if (idx < 0) return null;
    const line = text.slice(0, idx).split('\n').length;
    return { line, text: (text.split('\n')[line - 1] ?? '').slice(0, 200) };
  } finally {
    await handle.close();
  }
}
