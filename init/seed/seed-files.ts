// A first-boot seed in the cloud-image way (NoCloud): a small volume labelled cidata with
// `meta-data` (cloud-init's: instance-id, local-hostname) and aiOS's own `aios.toml` (hostname,
// accounts with their role and SSH keys), and optionally `config.toml` (tables that replace the
// image's, e.g. [models]) and `secrets.toml` (API keys). cloud-init's `user-data` is not read.
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

/** The seed volume's files as read (absent ones are null). */
export interface SeedFiles {
  metaData: string | null;
  aiosToml: string | null;
  configToml: string | null;
  secretsToml: string | null;
  userData: boolean;
}

export const SEED_FILE_NAMES = {
  metaData: 'meta-data',
  aiosToml: 'aios.toml',
  configToml: 'config.toml',
  secretsToml: 'secrets.toml',
} as const;

// RFC 1123: labels of letters, digits and inner hyphens.
const Hostname = z
  .string()
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'expected a host name such as "node-7" or "node-7.example.org"',
  );

// One public key line as authorized_keys holds it, without options (they could run commands).
const SshKey = z
  .string()
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$/,
    'expected one public key line such as "ssh-ed25519 AAAA… name@host"',
  );

const SeedUser = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected an account name such as "ada"'),
  /** The aiOS role (group aios-ROLE); root is always an admin. */
  role: z.enum(['admin', 'operator', 'viewer']).default('operator'),
  ssh_authorized_keys: z.array(SshKey).default([]),
});
export type SeedUser = z.output<typeof SeedUser>;

export const AiosSeed = z.strictObject({
  hostname: Hostname.optional(),
  users: z.array(SeedUser).default([]),
});

export interface Seed {
  /** meta-data's instance-id, or a digest of the seed when it has none. */
  instanceId: string;
  hostname: string | null;
  users: SeedUser[];
  /** config.toml's tables, each replacing the image's table of that name. */
  config: Record<string, unknown> | null;
  secretsToml: string | null;
}

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/** cloud-init's meta-data is YAML; a NoCloud seed's is flat `key: value` lines, which is all this reads. */
export function parseMetaData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_-]+):\s*(.*?)\s*$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function toml(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text);
  } catch (err) {
    throw new SeedError(`${file}: not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Checks every file of the seed; throws SeedError naming the file and the field at fault. */
export function parseSeed(files: SeedFiles, digest: string): Seed {
  const meta = files.metaData === null ? {} : parseMetaData(files.metaData);
  const raw = files.aiosToml === null ? {} : toml(files.aiosToml, SEED_FILE_NAMES.aiosToml);
  const r = AiosSeed.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SeedError(`${SEED_FILE_NAMES.aiosToml}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const hostname = r.data.hostname ?? meta['local-hostname'] ?? null;
  if (hostname !== null && !Hostname.safeParse(hostname).success)
    throw new SeedError(`meta-data: local-hostname ${JSON.stringify(hostname)} is not a host name`);
  const names = new Set<string>();
  for (const u of r.data.users) {
    if (names.has(u.name)) throw new SeedError(`${SEED_FILE_NAMES.aiosToml}: ${u.name} is listed twice`);
    names.add(u.name);
  }
  if (files.secretsToml !== null) toml(files.secretsToml, SEED_FILE_NAMES.secretsToml);
  return {
    instanceId: meta['instance-id'] ?? `sha256:${digest}`,
    hostname,
    users: r.data.users,
    config: files.configToml === null ? null : toml(files.configToml, SEED_FILE_NAMES.configToml),
    secretsToml: files.secretsToml,
  };
}
