// Writes [models.<tier>] into a config.toml: the one way `aios models add` (as the caller) and
// `models/pull` (in aiosd) change it. The new text is written beside the file and loaded as a
// whole config before it replaces anything, so a failure changes nothing.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { parse } from 'smol-toml';
import { loadConfig } from '../config/config.js';
import type { AiosPaths } from '../config/paths.js';

export type ModelTier = 'operational' | 'tactical';

export interface ModelTable {
  name: string;
  path: string;
  sha256: string;
}

/** The file a model is written into: the user's config, or in system mode the system's. */
export function configFileFor(paths: AiosPaths): string {
  return paths.userConfigFile ?? paths.systemConfigFile;
}

export type TableLookup = { ok: true; existing: string | null } | { ok: false; problem: string };

/** The name (or path) of the [models.<tier>] table the file already has, null if none. */
export function existingModelTable(target: string, tier: ModelTier): TableLookup {
  const text = existsSync(target) ? readFileSync(target, 'utf8') : '';
  try {
    const table = (parse(text) as { models?: Record<string, { name?: unknown; path?: unknown } | undefined> }).models?.[
      tier
    ];
    if (table === undefined) return { ok: true, existing: null };
    const label = typeof table.name === 'string' ? table.name : typeof table.path === 'string' ? table.path : tier;
    return { ok: true, existing: label };
  } catch (err) {
    return {
      ok: false,
      problem: `${target} is not valid TOML (${(err as Error).message.split('\n')[0] ?? ''}); fix it first`,
    };
  }
}

export type WriteOutcome = { ok: true } | { ok: false; problem: string; usage: boolean };

export function writeModelTable(
  target: string,
  tier: ModelTier,
  table: ModelTable,
  opts: { replace: boolean },
): WriteOutcome {
  const found = existingModelTable(target, tier);
  if (!found.ok) return { ok: false, problem: found.problem, usage: true };
  const before = existsSync(target) ? readFileSync(target, 'utf8') : '';
  let text = before;
  if (found.existing !== null) {
    if (!opts.replace)
      return {
        ok: false,
        usage: true,
        problem: `${target} already configures [models.${tier}]; pass --replace to overwrite it, or --tier ${tier === 'operational' ? 'tactical' : 'operational'}`,
      };
    const removed = removeTable(before, `models.${tier}`);
    if (removed === null)
      return {
        ok: false,
        usage: true,
        problem: `[models.${tier}] in ${target} is not written as its own table; edit it by hand`,
      };
    text = removed;
  }
  const section = [
    `[models.${tier}]`,
    `name = ${JSON.stringify(table.name)}`,
    `path = ${JSON.stringify(table.path)}`,
    `sha256 = "${table.sha256}"`,
  ].join('\n');
  text = `${text.replace(/\s*$/, '')}${text.trim() === '' ? '' : '\n\n'}${section}\n`;
  try {
    // A fresh account has no ~/.config/aios yet: made here, private, as aiOS makes its other directories.
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    // Checked as a whole config before it replaces anything.
    writeFileAtomicSync(target, text, {
      mode: existsSync(target) ? statSync(target).mode & 0o777 : 0o644,
      check: (tmp) => loadConfig({ systemFile: null, userFile: tmp, env: {} }),
    });
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      usage: false,
      problem: `could not write ${target}: ${err instanceof Error ? err.message : String(err)}; nothing was changed`,
    };
  }
}

/** The text without the table `[name]` (its header up to the next table header), or null if it has no such header. */
function removeTable(text: string, name: string): string | null {
  const lines = text.split('\n');
  const header = new RegExp(`^\\s*\\[\\s*${name.replace('.', '\\s*\\.\\s*')}\\s*\\]\\s*(#.*)?$`);
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}
