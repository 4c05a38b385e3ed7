// API keys: from secrets.toml (only when no one but its owner can read it) or the environment.
// A key is held in a Secret, which prints as [redacted] however it is logged or serialised,
// and is revealed only where an SDK client is built.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { parse, stringify, TomlError } from 'smol-toml';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { z } from 'zod';

export const REDACTED_SECRET = '[redacted]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }

  /** The key itself: pass it to an SDK client and nowhere else. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED_SECRET;
  }
  toJSON(): string {
    return REDACTED_SECRET;
  }
  [inspect.custom](): string {
    return REDACTED_SECRET;
  }
}

export interface KeyRequest {
  /** The [api.<name>] table the key is for. */
  provider: string;
  /** The environment variable that may hold it instead. */
  envVar: string | null;
}

export interface LoadedSecrets {
  keys: ReadonlyMap<string, Secret>;
  /** Where each key came from ("secrets.toml" or the variable's name), never the key. */
  sources: ReadonlyMap<string, string>;
  /** Why a file or key was not used; shown as the daemon's problems. */
  problems: string[];
}

const SecretsFile = z.strictObject({
  api: z.record(z.string(), z.strictObject({ api_key: z.string().min(1) })).optional(),
});

/**
 * Reads the keys for `requests`. The environment wins over the file (the override order of
 * every setting). With `scrubEnv`, each variable read is deleted from `env`, so that nothing
 * started later (worker threads, SDKs, children spawned with a copied environment) can see it.
 */
export function loadSecrets(opts: {
  file: string;
  env: NodeJS.ProcessEnv;
  requests: readonly KeyRequest[];
  scrubEnv?: boolean;
  uid?: number;
}): LoadedSecrets {
  const problems: string[] = [];
  const fromFile = readSecretsFile(opts.file, opts.uid ?? process.getuid?.() ?? 0, problems);
  const keys = new Map<string, Secret>();
  const sources = new Map<string, string>();
  for (const { provider, envVar } of opts.requests) {
    const fromEnv = envVar === null ? undefined : opts.env[envVar];
    if (fromEnv !== undefined && fromEnv !== '') {
      keys.set(provider, new Secret(fromEnv));
      sources.set(provider, envVar as string);
    } else if (fromFile.has(provider)) {
      keys.set(provider, fromFile.get(provider) as Secret);
      sources.set(provider, 'secrets.toml');
    }
  }
  if (opts.scrubEnv === true) {
    for (const { envVar } of opts.requests) if (envVar !== null) Reflect.deleteProperty(opts.env, envVar);
  }
  return { keys, sources, problems };
}

function readSecretsFile(file: string, uid: number, problems: string[]): Map<string, Secret> {
  const keys = new Map<string, Secret>();
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') problems.push(`${file}: cannot read (${code ?? 'error'}); API keys in it are not used`);
    return keys;
  }
  let text: string;
  try {
    // fstat on the open descriptor: the mode checked is the mode of the file read.
    const st = fstatSync(fd);
    if ((st.mode & 0o077) !== 0) {
      problems.push(
        `${file} is readable or writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); its API keys are not used: run chmod 600 ${file}`,
      );
      return keys;
    }
    if (st.uid !== uid && st.uid !== 0) {
      problems.push(
        `${file} belongs to uid ${st.uid}, not to aiosd's user (uid ${uid}) or root; its API keys are not used: chown it`,
      );
      return keys;
    }
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let table: unknown;
  try {
    table = parse(text);
  } catch (err) {
    // Never echo the parser's excerpt: it is a line of a file full of keys.
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    problems.push(`${file}: not valid TOML${where}; its API keys are not used`);
    return keys;
  }
  const parsed = SecretsFile.safeParse(table);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue === undefined ? '' : issue.path.map(String).join('.');
    const unknown =
      issue?.code === 'unrecognized_keys'
        ? `unknown key ${[key, issue.keys[0]].filter((k) => k !== '').join('.')}`
        : `${key}: ${issue?.message ?? 'invalid'}`;
    problems.push(`${file}: ${unknown}; expected [api.<name>] tables with api_key = "..."; its API keys are not used`);
    return keys;
  }
  for (const [name, entry] of Object.entries(parsed.data.api ?? {})) keys.set(name, new Secret(entry.api_key));
  return keys;
}

/** Replaces every occurrence of a known key in `text` (an error message, a response body). */
export function scrubSecrets(text: string, secrets: Iterable<Secret>): string {
  let out = text;
  for (const s of secrets) {
    const v = s.reveal();
    if (v.length >= 4) out = out.split(v).join(REDACTED_SECRET);
  }
  return out;
}

/**
 * Stores one provider's key in secrets.toml (created 0600, replaced atomically), keeping the
 * other keys. A file that does not parse is not overwritten: its keys would be lost.
 */
export function storeSecret(file: string, provider: string, key: Secret): void {
  let table: Record<string, unknown> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== '') {
    try {
      table = parse(text) as Record<string, unknown>;
    } catch (err) {
      const where = err instanceof TomlError ? ` at line ${err.line}` : '';
      throw new Error(
        `${file} is not valid TOML${where}; fix or remove it, then set the key again (it was not changed)`,
        { cause: err },
      );
    }
  }
  const api = { ...(table['api'] as Record<string, Record<string, unknown>> | undefined) };
  api[provider] = { ...api[provider], api_key: key.reveal() };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, stringify({ ...table, api }), { mode: 0o600 });
}

/** Names a key in the ledger and in answers without giving it away: 8 hex digits of its sha256. */
export function keyFingerprint(key: Secret): string {
  return `sha256:${createHash('sha256').update(key.reveal()).digest('hex').slice(0, 8)}`;
}
