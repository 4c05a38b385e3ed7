// `aios models`: what the daemon runs (local models, their memory and measured speed, GPU or
// CPU; cloud providers and their spend), and `aios models add <path>`: a GGUF checked and
// written into config.toml. Nothing here downloads anything.
import { basename, resolve } from 'node:path';
import type { AiosPaths } from '../config/paths.js';
import { checkGguf, sha256File } from '../models/local/gguf-file.js';
import { configFileFor, writeModelTable } from '../models/model-config-write.js';
import type { ModelsListResult } from '../protocol/intelligence.js';
import { sanitize } from '../text/sanitize.js';
import type { Io } from './commands.js';
import { connectDaemon, exitCodeFor } from './connect.js';
import { readSecret } from './read-key.js';
import type { AiosClient } from '../protocol/client.js';

export function modelsListCommand(socketPath: string, io: Io): Promise<number> {
  return showAnswer(socketPath, io, (c) => c.call('models/list', {}), formatModels);
}

/** One request to aiosd, its answer printed as JSON or as words; a failure said the same two ways. */
export async function showAnswer<T>(
  socketPath: string,
  io: Io,
  ask: (client: AiosClient) => Promise<T>,
  words: (answer: T) => string,
): Promise<number> {
  try {
    const client = await connectDaemon(socketPath);
    try {
      const r = await ask(client);
      io.out(io.json ? JSON.stringify(r) : words(r));
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
  const written = writeModelTable(target, opts.tier, { name, path, sha256 }, { replace: opts.replace });
  if (!written.ok) return fail(written.problem, written.usage ? 2 : 1);
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
