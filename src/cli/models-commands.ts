// `aios models`: what the daemon runs (local models, their memory and measured speed, GPU or
// CPU; cloud providers and their spend), and `aios models add <path>`: a GGUF checked and
// written into config.toml. Nothing here downloads anything.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { parse } from 'smol-toml';
import { loadConfig } from '../config/config.js';
import type { AiosPaths } from '../config/paths.js';
import { checkGguf, sha256File } from '../models/local/gguf-file.js';
import type { ModelsListResult } from '../protocol/intelligence.js';
import { sanitize } from '../text/sanitize.js';
import type { Io } from './commands.js';
import { connectDaemon, exitCodeFor } from './connect.js';
import { readSecret } from './read-key.js';

export async function modelsListCommand(socketPath: string, io: Io): Promise<number> {
  try {
    const client = await connectDaemon(socketPath);
    try {
      const r = await client.call('models/list', {});
      io.out(io.json ? JSON.stringify(r) : formatModels(r));
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return exitCodeFor(err);
  }
}

const one = (s: string): string => sanitize(s, { singleLine: true });
const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1024 / 1024).toFixed(1)} MB`);

/** A bar a person reads at a glance: spend against budget. */
function bar(fraction: number, width = 20): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(n)}${'░'.repeat(width - n)}]`;
}

export function formatModels(r: ModelsListResult): string {
  const lines: string[] = [];
  const rt = r.runtime;
  lines.push(
    r.models.length === 0
      ? 'local models: none configured (add one: aios models add <file.gguf>)'
      : `local runtime: ${rt.state}, ${one(rt.device)}, ${rt.cores} usable core(s)${rt.pid === null ? '' : `, pid ${rt.pid}`}${rt.rssBytes === null ? '' : `, ${mb(rt.rssBytes)} resident`}${rt.problem === null ? '' : ` — ${one(rt.problem)}`}`,
  );
  const fastest = Math.max(1, ...r.models.map((m) => m.tokensPerS ?? 0));
  for (const m of r.models) {
    const speed =
      m.tokensPerS === null
        ? 'speed not measured yet'
        : `${bar(m.tokensPerS / fastest, 10)} ${Math.round(m.tokensPerS)} tok/s, first token ${m.ttftMs?.toFixed(1) ?? '-'} ms`;
    const trials =
      m.threadTrials.length > 1
        ? ` (measured: ${m.threadTrials.map((t) => `${t.threads} → ${Math.round(t.tokensPerS)} tok/s`).join(', ')})`
        : '';
    lines.push(`  ${m.key.padEnd(11)} ${one(m.name)}  ${m.state}, ${m.policy.replaceAll('_', ' ')}`);
    lines.push(`              ${one(m.path)}`);
    lines.push(
      `              memory ${mb(m.memoryBytes)}, file ${mb(m.sizeBytes)}, context ${m.contextSize ?? '-'}, ${m.threads ?? '-'} thread(s)${trials}`,
    );
    lines.push(`              ${speed}${m.queued + m.running > 0 ? `; ${m.running} running, ${m.queued} queued` : ''}`);
    if (m.probe !== null && m.probe !== undefined)
      lines.push(`              health probe ${m.probe.ok ? 'ok' : 'FAILED'}: ${one(m.probe.detail)} (${m.probe.at})`);
    if (m.problem !== null) lines.push(`              problem: ${one(m.problem)}`);
  }
  lines.push(
    r.providers.length === 0
      ? 'cloud providers: none configured ([api.<name>] in config.toml, key in secrets.toml)'
      : 'cloud providers:',
  );
  for (const p of r.providers) {
    const spend =
      p.budgetUsd === null
        ? `$${p.spentUsd.toFixed(4)} this month, no budget set`
        : `${bar(p.spentUsd / Math.max(p.budgetUsd, 1e-9))} $${p.spentUsd.toFixed(2)} of $${p.budgetUsd.toFixed(2)} this month`;
    lines.push(
      `  ${p.name.padEnd(11)} ${p.kind} ${one(p.model ?? '?')}  ${p.up ? 'up' : 'DOWN'}: ${one(p.detail)}${p.byDefault === true ? ' (default provider: a key and no [api.*] table)' : ''}`,
    );
    lines.push(
      `              ${spend}, ${p.requestsThisMonth} request(s)${p.rateLimitRpm === null ? '' : `, limit ${p.rateLimitRpm}/min`}${p.keySource === null ? '' : `, key from ${p.keySource}`}`,
    );
    if (p.inputTokensThisMonth !== undefined && p.inputTokensThisMonth > 0) {
      const cached = p.cachedInputTokensThisMonth ?? 0;
      lines.push(
        `              input ${p.inputTokensThisMonth} token(s) this month: ${cached} from the prompt cache, ${p.inputTokensThisMonth - cached} uncached`,
      );
    }
  }
  lines.push(`tiers: ${r.tiers.map((t) => `${t.name} ${t.up ? '✓' : '✗'}`).join(' → ')}`);
  for (const t of r.tiers.filter((x) => !x.up)) lines.push(`  ${t.name}: ${one(t.detail)}`);
  return lines.join('\n');
}

/** The file `models add` writes: the user's config, or in system mode the system's. */
export function configFileFor(paths: AiosPaths): string {
  return paths.userConfigFile ?? paths.systemConfigFile;
}

export async function modelsAddCommand(
  paths: AiosPaths,
  file: string,
  opts: { tier: string; name?: string; replace: boolean },
  io: Io,
): Promise<number> {
  const fail = (msg: string, code = 1): number => {
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return code;
  };
  if (opts.tier !== 'operational' && opts.tier !== 'tactical')
    return fail(`--tier must be operational or tactical; got ${JSON.stringify(opts.tier)}`, 2);
  const path = resolve(file);
  const check = await checkGguf(path);
  if (!check.ok) return fail(check.problem);
  const sha256 = await sha256File(path);
  const name = opts.name ?? basename(path).replace(/\.gguf$/i, '');
  const target = configFileFor(paths);
  const before = existsSync(target) ? readFileSync(target, 'utf8') : '';
  let existing: unknown;
  try {
    existing = (parse(before) as { models?: Record<string, unknown> }).models?.[opts.tier];
  } catch (err) {
    return fail(`${target} is not valid TOML (${(err as Error).message.split('\n')[0] ?? ''}); fix it first`, 2);
  }
  let text = before;
  if (existing !== undefined) {
    if (!opts.replace)
      return fail(
        `${target} already configures [models.${opts.tier}]; pass --replace to overwrite it, or --tier ${opts.tier === 'operational' ? 'tactical' : 'operational'}`,
        2,
      );
    const removed = removeTable(before, `models.${opts.tier}`);
    if (removed === null)
      return fail(`[models.${opts.tier}] in ${target} is not written as its own table; edit it by hand`, 2);
    text = removed;
  }
  const section = [
    `[models.${opts.tier}]`,
    `name = ${JSON.stringify(name)}`,
    `path = ${JSON.stringify(path)}`,
    `sha256 = "${sha256}"`,
  ].join('\n');
  text = `${text.replace(/\s*$/, '')}${text.trim() === '' ? '' : '\n\n'}${section}\n`;
  // Written beside the target and checked as a whole config before it replaces anything.
  try {
    // A fresh account has no ~/.config/aios yet: made here, private, as aiOS makes its other directories.
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(target, text, {
      mode: existsSync(target) ? statSync(target).mode & 0o777 : 0o644,
      check: (tmp) => loadConfig({ systemFile: null, userFile: tmp, env: {} }),
    });
  } catch (err) {
    return fail(`could not write ${target}: ${err instanceof Error ? err.message : String(err)}; nothing was changed`);
  }
  const reload = await askReload(paths.socketPath);
  const result = {
    tier: opts.tier,
    name,
    path,
    sha256,
    sizeBytes: check.sizeBytes,
    ggufVersion: check.version,
    config: target,
    reload,
  };
  if (io.json) io.out(JSON.stringify(result));
  else
    io.out(
      `added [models.${opts.tier}] ${name}: ${mb(check.sizeBytes)}, GGUF v${check.version}\n  sha256 ${sha256}\n  written to ${target}\n${reloadWords(reload)}`,
    );
  return 0;
}

type ReloadAnswer =
  | { daemon: 'down' }
  | { daemon: 'refused'; message: string }
  | { daemon: 'up'; reloaded: boolean; message: string; problems: string[] };

/** A running aiosd is asked to read the config again, so the model is used without a restart. */
async function askReload(socketPath: string): Promise<ReloadAnswer> {
  let client;
  try {
    client = await connectDaemon(socketPath, 'aios-models-add');
  } catch {
    return { daemon: 'down' };
  }
  try {
    const r = await client.call('models/reload', {});
    return { daemon: 'up', reloaded: r.reloaded, message: r.message, problems: r.problems };
  } catch (err) {
    return { daemon: 'refused', message: err instanceof Error ? err.message : String(err) };
  } finally {
    client.close();
  }
}

function reloadWords(r: ReloadAnswer): string {
  if (r.daemon === 'down')
    return 'aiosd is not running: it loads the model when it starts; then see it with: aios models';
  if (r.daemon === 'refused') return `aiosd did not reload (${one(r.message)}): restart it to load the model`;
  const problems = r.problems.map((p) => `\n  problem: ${one(p)}`).join('');
  return `aiosd: ${one(r.message)}${problems}${r.reloaded ? '\nSee it with: aios models' : ''}`;
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

/** `aios models key set <provider>`: the key from the terminal (no echo) or stdin, stored by aiosd. */
export async function modelsKeySetCommand(
  socketPath: string,
  provider: string,
  io: Io,
  read: () => Promise<string> = () => readSecret(`API key for ${provider} (not shown): `),
): Promise<number> {
  const fail = (msg: string, code: number): number => {
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return code;
  };
  let key: string;
  try {
    key = await read();
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), 1);
  }
  if (key === '')
    return fail('no key given: type it at the prompt, or pipe it in (aios models key set anthropic < keyfile)', 2);
  try {
    const client = await connectDaemon(socketPath);
    try {
      const r = await client.call('models/key-set', { provider, key });
      if (io.json) io.out(JSON.stringify(r));
      else
        io.out(
          `stored the key for ${r.provider} (${r.fingerprint}) in secrets.toml; ${r.message}${r.problems.length > 0 ? `\nproblems: ${r.problems.join('; ')}` : ''}`,
        );
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), exitCodeFor(err));
  }
}
