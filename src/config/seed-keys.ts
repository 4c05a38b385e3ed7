// Keys of the seed design's example config (system-architecture.md's config.toml) that aiOS does
// not take. A file that has them still loads: each is set aside with a warning naming the key and
// what aiOS does instead. Only these keys: any other unknown key, in aiOS's own tables or not,
// stays an error. A key the schema has since learned is read as a setting, not set aside.
import type { z } from 'zod';
import type { Table } from './merge-tables.js';

export interface SeedKey {
  table: string;
  key: string;
  instead: string;
}

const NO_LISTENER =
  'aiosd has no network listener: manage a node over SSH (ssh node aios …, docs/cli.md); [metrics] listen exports figures on loopback only';

export const SEED_KEYS: readonly SeedKey[] = [
  {
    table: 'models',
    key: 'runtime',
    instead:
      'local GGUF models always run on llama.cpp (node-llama-cpp) in a worker process; there is no runtime to choose',
  },
  {
    table: 'memory',
    key: 'operational_max_entries',
    instead: "not applied: memories are kept in aiOS's database without an entry cap",
  },
  {
    table: 'memory',
    key: 'working_db',
    instead:
      'not applied: goals, plans, memories and the ledger share one SQLite database, aios.db in the state directory (AIOS_STATE_DIR or --state-dir moves it)',
  },
  {
    table: 'memory',
    key: 'longterm_db',
    instead:
      'not applied: goals, plans, memories and the ledger share one SQLite database, aios.db in the state directory (AIOS_STATE_DIR or --state-dir moves it)',
  },
  {
    table: 'memory',
    key: 'vector_db',
    instead: 'not applied: procedure embeddings are kept in aios.db; there is no separate vector store',
  },
  {
    table: 'security',
    key: 'capability_mode',
    instead:
      "not needed: each agent's capabilities are always enforced; [security] mode (safe, normal, paranoid, trusted) sets how strict policy is",
  },
  {
    table: 'security',
    key: 'audit_all_tool_calls',
    instead:
      'always on: every approval and tool call goes into the hash-chained audit ledger, and cannot be turned off',
  },
  {
    table: 'security',
    key: 'sandbox_untrusted',
    instead:
      "always on: read-only commands run in a bubblewrap sandbox; where it cannot start, each needs an admin's confirmation",
  },
  { table: 'network', key: 'management_port', instead: `not applied: ${NO_LISTENER}` },
  { table: 'network', key: 'management_tls', instead: `not applied: ${NO_LISTENER}` },
  {
    table: 'network',
    key: 'allow_outbound',
    instead:
      'not applied: aiOS does not filter outbound traffic itself; firewall rules are set by goals (the firewall tools)',
  },
  {
    table: 'network',
    key: 'dns_servers',
    instead:
      "not applied: DNS is left to the system's resolver (/etc/resolv.conf or systemd-resolved); change it with a goal",
  },
];

export interface SetAside {
  /** `security.capability_mode` */
  key: string;
  instead: string;
}

/**
 * The table without the seed keys the schema does not know, and a warning for each. A table
 * left empty by that ([memory], [network]) goes too.
 */
export function setAsideSeedKeys(table: Table, schema: z.ZodType): { table: Table; setAside: SetAside[] } {
  const out: Table = { ...table };
  const setAside: SetAside[] = [];
  for (const seed of SEED_KEYS) {
    const inner = out[seed.table];
    if (!isTable(inner) || !Object.hasOwn(inner, seed.key) || known(schema, seed)) continue;
    const { [seed.key]: _dropped, ...rest } = inner;
    if (Object.keys(rest).length === 0) delete out[seed.table];
    else out[seed.table] = rest;
    setAside.push({ key: `${seed.table}.${seed.key}`, instead: seed.instead });
  }
  return { table: out, setAside };
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

// Asked of the schema itself, so a key aiOS comes to support is honoured without editing this list.
function known(schema: z.ZodType, seed: SeedKey): boolean {
  const r = schema.safeParse({ [seed.table]: { [seed.key]: null } });
  if (r.success) return true;
  return !r.error.issues.some(
    (i) =>
      i.code === 'unrecognized_keys' &&
      ((i.path.length === 0 && i.keys.includes(seed.table)) ||
        (i.path.length === 1 && i.path[0] === seed.table && i.keys.includes(seed.key))),
  );
}
