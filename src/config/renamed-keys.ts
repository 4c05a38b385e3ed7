// Keys that moved to [retention]: `[recovery] max_snapshots` and `[monitor] keep_hours`. A file
// that still has one loads as if it had written the new key, with a warning that names it, so a
// config written before [retention] keeps its meaning. Where a file has both, the new key wins.
import { ConfigError } from './config-error.js';
import { isTable, type Table } from './merge-tables.js';

interface RenamedKey {
  table: string;
  key: string;
  /** The key it became, in [retention]. */
  now: string;
  /** The old value as the new key's, or a problem (the old key's own type check, since the schema no longer has it). */
  convert: (value: unknown) => { value: unknown } | { problem: string };
}

const RENAMED: readonly RenamedKey[] = [
  {
    table: 'recovery',
    key: 'max_snapshots',
    now: 'auto_snapshots',
    convert: (v) =>
      Number.isInteger(v) && (v as number) >= 1
        ? { value: v }
        : { problem: `expected a whole number of snapshots, at least 1; got ${JSON.stringify(v)}` },
  },
  {
    table: 'monitor',
    key: 'keep_hours',
    now: 'metrics',
    convert: (v) =>
      typeof v === 'number' && v > 0
        ? { value: `${v}h` }
        : { problem: `expected a number of hours above 0; got ${JSON.stringify(v)}` },
  },
];

export interface Renamed {
  /** `recovery.max_snapshots` */
  key: string;
  /** `retention.auto_snapshots` */
  newKey: string;
  instead: string;
}

/** The file's table with each old key moved to its [retention] key, and a warning for each. */
export function moveRenamedKeys(file: string, table: Table): { table: Table; renamed: Renamed[] } {
  let out: Table = table;
  const renamed: Renamed[] = [];
  for (const r of RENAMED) {
    const inner = out[r.table];
    if (!isTable(inner) || !Object.hasOwn(inner, r.key)) continue;
    const oldKey = `${r.table}.${r.key}`;
    const newKey = `retention.${r.now}`;
    const converted = r.convert(inner[r.key]);
    if ('problem' in converted)
      throw new ConfigError({ file, key: oldKey, problem: `${converted.problem} (better: [retention] ${r.now})` });
    const { [r.key]: _old, ...rest } = inner;
    const retention = isTable(out['retention']) ? out['retention'] : {};
    const shadowed = Object.hasOwn(retention, r.now);
    out = {
      ...out,
      [r.table]: rest,
      retention: shadowed ? retention : { ...retention, [r.now]: converted.value },
    };
    renamed.push({
      key: oldKey,
      newKey,
      instead: shadowed
        ? `ignored: this file also sets ${newKey}, which wins; remove ${oldKey}`
        : `read as [retention] ${r.now} = ${JSON.stringify(converted.value)}; write that instead`,
    });
  }
  return { table: out, renamed };
}
