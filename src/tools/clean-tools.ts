// Housekeeping tools (the maintenance agent's, clean.*): old temp files, the journal, the apt
// cache, and a read-only look at logs that grow without rotation. Each is one schema and one
// invocation like any tool, so a housekeeping goal goes through policy, preview, approval and
// audit like anyone's. clean.temp removes exactly the files its arguments list (the plan's hash
// binds them), each still older than the age when it runs, and snapshots them first.
import { lstatSync, readdirSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AGE_PATTERN, ageMs } from '../config/retention-schema.js';
import { runProgram } from './run-program.js';
import { defineTool, type Tool, type ToolContext, type ToolResult } from './tool.js';

const Age = z.string().regex(AGE_PATTERN, 'expected an age such as "10d" or "12h"');
const Abs = z.string().regex(/^\//, 'must be an absolute path');

/** One plan removes at most this many files; the rest wait for the next run. */
export const TEMP_FILES_PER_PLAN = 2000;

const TempArgs = z.object({
  dir: Abs.describe('the temp directory, e.g. /tmp'),
  olderThan: Age.describe('a file neither read nor written within this long is removed, e.g. "10d"'),
  files: z
    .array(Abs)
    .min(1)
    .max(TEMP_FILES_PER_PLAN)
    .describe('the files to remove, as found when the plan was made: regular files under dir unused within olderThan'),
});
const JournalArgs = z.object({ olderThan: Age.describe('archived journal files older than this go, e.g. "30d"') });
const AptArgs = z.object({
  cacheDir: Abs.default('/var/cache/apt').describe("apt's cache directory (Dir::Cache); its archives/ is emptied"),
});
const LogArgs = z.object({
  dirs: z.array(Abs).min(1).max(32).describe('directories to look in, e.g. ["/var/log"]'),
  maxBytes: z.number().int().min(1).describe('a log larger than this is reported'),
});

/** Regular files under `dir` not modified within `olderThanMs`, except where `keep` says so (aiOS's own state). */
export function oldTempFiles(
  dir: string,
  olderThanMs: number,
  keep: (path: string) => boolean,
  now = Date.now(),
): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 32 || found.length >= TEMP_FILES_PER_PLAN) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const p = join(d, name);
      if (keep(p)) continue;
      const st = lstatOrNull(p);
      if (st === null) continue;
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && isOld(st, olderThanMs, now)) found.push(p);
      if (found.length >= TEMP_FILES_PER_PLAN) return;
    }
  };
  walk(dir, 0);
  return found;
}

// Neither read nor written within the age (atime and mtime, as tmpreaper does; not ctime, which
// a backup's chmod or a restore resets): a file something still uses is left alone.
function isOld(st: Stats, olderThanMs: number, now: number): boolean {
  return Math.max(st.mtimeMs, st.atimeMs) < now - olderThanMs;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function within(dir: string, p: string): boolean {
  return p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

export function createCleanTools(opts: {
  timeoutMs: number;
  outputCapBytes: number;
  /** aiOS's own paths (state and config directories): refused outright, whoever approves. */
  isAios?: (path: string) => boolean;
}): Tool[] {
  const isAios = opts.isAios ?? (() => false);
  const run = (argv: string[], ctx: ToolContext) =>
    runProgram(argv, {
      timeoutMs: opts.timeoutMs,
      outputCapBytes: opts.outputCapBytes,
      signal: ctx.signal,
      onOutput: ctx.onOutput,
      ...(ctx.onProcess === undefined ? {} : { onProcess: ctx.onProcess }),
      ...(ctx.cgroup === undefined ? {} : { cgroup: ctx.cgroup }),
    });
  const programResult = async (argv: string[], ctx: ToolContext): Promise<ToolResult> => {
    const r = await run(argv, ctx);
    if (!r.started) return { ok: false, output: '', error: `${argv[0] ?? ''} did not start: ${r.error}` };
    const output = r.stdout + r.stderr;
    return r.exitCode === 0
      ? { ok: true, output }
      : { ok: false, output, error: `${argv.join(' ')} exited ${r.exitCode}` };
  };

  const temp = defineTool({
    name: 'clean.temp',
    description:
      'Remove the listed temp files under a directory, each only if it is still a regular file not used within olderThan. Snapshotted first, so it rolls back.',
    schema: TempArgs,
    capabilities: ['housekeeping'],
    plannedBy: 'aios',
    risk: 'low',
    reversible: true,
    mutates: true,
    paths: (args) => args.files.map((path) => ({ path, access: 'write' as const })),
    hazards: (args) => [
      ...(args.files.some((f) => !within(args.dir, f))
        ? [{ level: 'deny' as const, why: `clean.temp removes files under ${args.dir} only` }]
        : []),
      // What a rollback needs (snapshots, the old packages kept for it) lives there.
      ...args.files
        .filter((f) => isAios(f))
        .slice(0, 1)
        .map((f) => ({ level: 'deny' as const, why: `housekeeping never removes aiOS's own state: ${f}` })),
    ],
    preview(args) {
      const bytes = args.files.reduce((n, f) => n + (lstatOrNull(f)?.size ?? 0), 0);
      return Promise.resolve({
        summary: `remove ${args.files.length} file(s) under ${args.dir} not used for ${args.olderThan} (${bytes} bytes)`,
        detail: args.files.join('\n'),
      });
    },
    execute(args, ctx) {
      const limit = ageMs(args.olderThan);
      const removed: string[] = [];
      const left: string[] = [];
      let bytes = 0;
      for (const f of args.files) {
        const st = lstatOrNull(f);
        // Written since the plan, or no longer a plain file: not what was approved. (Not atime:
        // the step's own snapshot has just read every listed file.)
        if (st === null || !st.isFile() || st.mtimeMs >= Date.now() - limit || !within(args.dir, f) || isAios(f)) {
          left.push(f);
          continue;
        }
        const refused = ctx.checkPath?.(f, 'write') ?? null;
        if (refused !== null) {
          left.push(`${f} (${refused})`);
          continue;
        }
        try {
          unlinkSync(f);
          removed.push(f);
          bytes += st.size;
        } catch (err) {
          left.push(`${f} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
      }
      const output = `removed ${removed.length} file(s), ${bytes} bytes${left.length > 0 ? `; left ${left.length}: ${left.slice(0, 20).join(', ')}` : ''}\n`;
      return Promise.resolve({ ok: true, output, data: { removed: removed.length, bytes, left: left.length } });
    },
  });

  const journal = defineTool({
    name: 'clean.journal',
    description:
      "Vacuum systemd's journal: remove archived journal files older than olderThan (journalctl --vacuum-time).",
    schema: JournalArgs,
    capabilities: ['housekeeping'],
    plannedBy: 'aios',
    risk: 'low',
    reversible: false,
    mutates: true,
    commandLines: (args) => [['journalctl', `--vacuum-time=${args.olderThan}`]],
    preview: (args) =>
      Promise.resolve({
        summary: `remove archived journal files older than ${args.olderThan}; the active journal stays`,
        detail: `journalctl --vacuum-time=${args.olderThan}`,
      }),
    execute: (args, ctx) => programResult(['journalctl', `--vacuum-time=${args.olderThan}`], ctx),
  });

  const apt = defineTool({
    name: 'clean.apt_cache',
    description:
      "Clean apt's cache of downloaded packages (apt-get clean); aiOS's own copies of old packages for rollback live in its state directory, which this never touches.",
    schema: AptArgs,
    capabilities: ['housekeeping'],
    plannedBy: 'aios',
    risk: 'low',
    reversible: false,
    mutates: true,
    commandLines: (args) => [['apt-get', 'clean', '-o', `Dir::Cache=${args.cacheDir}`]],
    preview(args) {
      const debs = listDebs(join(args.cacheDir, 'archives'));
      return Promise.resolve({
        summary: `remove ${debs.length} downloaded package file(s) from ${join(args.cacheDir, 'archives')} (${debs.reduce((n, d) => n + d.size, 0)} bytes); apt downloads them again when needed`,
        detail: `apt-get clean -o Dir::Cache=${args.cacheDir}\n${debs.map((d) => d.name).join('\n')}`,
      });
    },
    execute: (args, ctx) => programResult(['apt-get', 'clean', '-o', `Dir::Cache=${args.cacheDir}`], ctx),
  });

  const logs = defineTool({
    name: 'clean.log_check',
    description:
      'Report log files larger than maxBytes under the given directories, and whether logrotate is there to rotate them. Reads only.',
    schema: LogArgs,
    capabilities: ['fs.read'],
    plannedBy: 'aios',
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => args.dirs.map((path) => ({ path, access: 'read' as const })),
    preview: (args) =>
      Promise.resolve({ summary: `look for logs over ${args.maxBytes} bytes under ${args.dirs.join(', ')}` }),
    execute(args) {
      const big = args.dirs.flatMap((d) => bigFiles(d, args.maxBytes));
      const rotator =
        lstatOrNull('/etc/logrotate.conf') === null ? 'no logrotate (/etc/logrotate.conf)' : 'logrotate is configured';
      const lines = big.map((b) => `${b.path}: ${b.size} bytes`);
      const output =
        big.length === 0
          ? `no log over ${args.maxBytes} bytes; ${rotator}\n`
          : `${big.length} log(s) over ${args.maxBytes} bytes (${rotator}): rotate or trim them\n${lines.join('\n')}\n`;
      return Promise.resolve({ ok: true, output, data: { big: big.length } });
    },
  });

  return [temp, journal, apt, logs];
}

function listDebs(dir: string): { name: string; size: number }[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.deb'))
      .map((name) => ({ name, size: lstatOrNull(join(dir, name))?.size ?? 0 }));
  } catch {
    return [];
  }
}

function bigFiles(dir: string, maxBytes: number, depth = 0): { path: string; size: number }[] {
  if (depth > 8) return [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.sort().flatMap((name) => {
    const p = join(dir, name);
    const st = lstatOrNull(p);
    if (st === null) return [];
    if (st.isDirectory()) return bigFiles(p, maxBytes, depth + 1);
    return st.isFile() && st.size > maxBytes ? [{ path: p, size: st.size }] : [];
  });
}
