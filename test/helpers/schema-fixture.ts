// A state database of one schema version, as SQL: that version's migrations (their SQL as it
// stands, which never changes once shipped) and representative rows of every table it has.
// scripts/make-schema-fixtures.mjs writes one per version into test/fixtures/schema/ once; the
// files are then kept as they are, so today's code is tested against what old versions wrote.
import { canonicalJson } from '../../src/text/canonical-json.js';
import { entryHash, GENESIS_HASH } from '../../src/memory/audit-ledger.js';
import { migrations } from '../../src/memory/migrations.js';

export { migrations };

type Row = Record<string, string | number | null>;

function literal(v: string | number | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `'${v.replaceAll("'", "''")}'`;
}

function insert(table: string, row: Row): string {
  const cols = Object.keys(row);
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => literal(row[c] ?? null)).join(', ')});`;
}

/** The rows a node of this version would hold: two goals (one succeeded, one failed), their ledger, memories, snapshots… */
export function fixtureRows(version: number, at = '2026-01-01T00:00:00.000Z'): [string, Row][] {
  const t = (s: number): string => new Date(Date.parse(at) + s * 1000).toISOString();
  const rows: [string, Row][] = [];
  const goal = (id: string, text: string, state: string, plan: string): void => {
    rows.push([
      'goals',
      {
        id,
        text,
        state,
        message: null,
        submitted_by: 'ada',
        submitted_uid: 1000,
        plan_id: plan,
        created_at: t(0),
        updated_at: t(5),
      },
    ]);
    rows.push([
      'plans',
      {
        id: plan,
        goal_id: id,
        tier: 'reactive',
        hash: `${plan}-hash`,
        spec: '[{"id":"s1","tool":"fs.write"}]',
        created_at: t(1),
      },
    ]);
  };
  goal('G1', 'create a file notes.txt containing hello', 'succeeded', 'P1');
  goal('G2', 'install the package aios-hello', 'failed', 'P2');
  rows.push([
    'steps',
    {
      plan_id: 'P1',
      id: 's1',
      ord: 0,
      state: 'succeeded',
      preview: '{"summary":"write /srv/notes.txt"}',
      snapshot_id: 'S1',
      output: 'wrote 6 bytes',
      error: null,
      approved_by: 'ada',
      started_at: t(2),
      finished_at: t(3),
    },
  ]);
  rows.push([
    'steps',
    {
      plan_id: 'P2',
      id: 's1',
      ord: 0,
      state: 'failed',
      preview: '{"summary":"apt-get install aios-hello"}',
      snapshot_id: null,
      output: '',
      error: 'E: Unable to locate package',
      approved_by: 'ada',
      started_at: t(2),
      finished_at: t(4),
    },
  ]);
  rows.push([
    'tool_calls',
    {
      id: 'T1',
      goal_id: 'G1',
      plan_id: 'P1',
      step_id: 's1',
      tool: 'fs.write',
      args: '{"path":"/srv/notes.txt","content":"hello\\n"}',
      ok: 1,
      output: 'wrote 6 bytes',
      error: null,
      started_at: t(2),
      finished_at: t(3),
    },
  ]);
  rows.push(['events', { ts: t(3), type: 'goal.updated', goal_id: 'G1', payload: '{"state":"succeeded"}' }]);
  rows.push([
    'memories',
    {
      id: 'M1',
      kind: 'goal',
      content: 'created notes.txt containing hello in /srv',
      metadata: '{"goalId":"G1"}',
      created_at: t(5),
    },
  ]);
  rows.push([
    'memories',
    { id: 'M2', kind: 'note', content: 'the package mirror is offline on weekends', metadata: '{}', created_at: t(6) },
  ]);
  rows.push([
    'snapshots',
    {
      id: 'S1',
      label: 'before s1',
      goal_id: 'G1',
      step_id: 's1',
      created_at: t(2),
      restored_at: null,
      ...(version >= 4 ? { kind: 'step' } : {}),
    },
  ]);
  const entry: Row = {
    snapshot_id: 'S1',
    path: '/srv/notes.txt',
    type: 'absent',
    mode: null,
    uid: null,
    gid: null,
    sha256: null,
    link_target: null,
  };
  if (version >= 7)
    Object.assign(entry, {
      mtime_ns: null,
      ctime_ns: null,
      atime_ns: null,
      xattrs: null,
      nlink: null,
      dev: null,
      ino: null,
    });
  rows.push(['snapshot_entries', entry]);
  if (version >= 2) {
    rows.push([
      'procedures',
      {
        id: 'R1',
        goal_text: 'create a file notes.txt containing hello',
        normalized: 'create file notes.txt containing hello',
        tier: 'reactive',
        steps: '[{"tool":"fs.write"}]',
        outcome: 'succeeded',
        uses: 1,
        created_at: t(5),
        last_used_at: null,
      },
    ]);
    rows.push(['metrics', { ts: t(10), name: 'cpu.load1', value: 0.42 }]);
  }
  if (version >= 3) {
    rows.push([
      'api_spend',
      {
        provider: 'anthropic',
        month: '2026-01',
        usd: 0.12,
        input_tokens: 1200,
        output_tokens: 300,
        requests: 2,
        ...(version >= 8 ? { cached_input_tokens: 800 } : {}),
      },
    ]);
    rows.push([
      'api_cache',
      {
        key: 'k1',
        provider: 'anthropic',
        created_at: 1767225600000,
        expires_at: 1767312000000,
        response: '{"text":"ok"}',
      },
    ]);
  }
  if (version >= 4) {
    rows.push([
      'snapshots',
      {
        id: 'S2',
        label: 'manual /etc',
        goal_id: null,
        step_id: null,
        created_at: t(20),
        restored_at: null,
        kind: 'manual',
      },
    ]);
    rows.push(['snapshot_roots', { snapshot_id: 'S2', root: '/etc/aios' }]);
    rows.push(['snapshot_states', { snapshot_id: 'S2', kind: 'services', data: '[]' }]);
    rows.push([
      'file_index',
      {
        path: '/etc/aios/config.toml',
        dev: 2049,
        ino: 1234,
        size: 10,
        mtime_ns: '1767225600000000000',
        ctime_ns: '1767225600000000000',
        sha256: 'a'.repeat(64),
      },
    ]);
  }
  if (version >= 12)
    rows.push([
      'fleet_console_goals',
      {
        id: '01JFLEETGOAL0000000000ABCD',
        record: JSON.stringify({
          view: {
            fleetGoal: '01JFLEETGOAL0000000000ABCD',
            text: 'disk usage',
            startedBy: 'ada',
            startedAt: Date.parse(t(0)),
            state: 'done',
            groups: [],
            decideBy: Date.parse(t(3600)),
            nodes: [{ node: 'web-01', phase: 'done', canary: false, state: 'succeeded', message: null }],
            failures: 0,
            stopped: false,
            error: null,
          },
          start: {
            text: 'disk usage',
            nodes: [],
            canary: 1,
            batch: 10,
            maxFailures: 0,
            timeoutS: 60,
            confirm: false,
            decideWithinS: 3600,
          },
          confirmed: [],
        }),
        ended: 1,
        updated_at: t(10),
      },
    ]);
  if (version >= 5)
    rows.push([
      'procedure_embeddings',
      { procedure_id: 'R1', model: 'tiny.gguf:abc', dims: 2, vector: "x'0000803F00000040'" as never, created_at: t(6) },
    ]);
  if (version >= 6)
    rows.push([
      'exec_journal',
      {
        id: 'J1',
        goal_id: 'G1',
        plan_id: 'P1',
        step_id: 's1',
        tool: 'fs.write',
        cgroup: null,
        processes: '[]',
        started_at: t(2),
        ended_at: t(3),
        outcome: 'succeeded',
        detail: null,
      },
    ]);
  // The ledger: hash-chained from the genesis hash, as aiosd writes it.
  let prev = GENESIS_HASH;
  const audit: [string, string, string, Record<string, unknown>][] = [
    ['ada', 'goal.submit', 'G1', { text: 'create a file notes.txt containing hello' }],
    ['ada', 'plan.approve', 'P1/s1', { hash: 'P1-hash' }],
    ['aiosd', 'step.finish', 'P1/s1', { ok: true }],
    ['ada', 'goal.submit', 'G2', { text: 'install the package aios-hello' }],
  ];
  audit.forEach(([actor, action, subject, detail], i) => {
    const seq = i + 1;
    const ts = t(30 + i);
    const hash = entryHash(seq, ts, actor, action, subject, detail, prev);
    rows.push(['audit', { seq, ts, actor, action, subject, detail: canonicalJson(detail), prev_hash: prev, hash }]);
    prev = hash;
  });
  return rows;
}

/** The whole fixture: schema of `version`, its schema_version rows, and the rows. */
export function fixtureSql(version: number): string {
  const applied = migrations.filter((m) => m.version <= version);
  if (applied.length !== version) throw new Error(`no migration ${version}`);
  const lines = [
    `-- aiOS state database, schema version ${version}: made by scripts/make-schema-fixtures.mjs; never edit.`,
    'PRAGMA foreign_keys = OFF;',
    'CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL);',
  ];
  for (const m of applied) {
    lines.push(`-- migration ${m.version}: ${m.name}`, m.sql.trim());
    lines.push(insert('schema_version', { version: m.version, applied_at: '2026-01-01T00:00:00.000Z' }));
  }
  lines.push('-- rows');
  for (const [table, row] of fixtureRows(version)) {
    const text = insert(table, row);
    // A BLOB literal (x'…') goes in as it is, not quoted.
    lines.push(text.replace(/'(x''[0-9A-F]+'')'/, (_m, blob: string) => blob.replaceAll("''", "'")));
  }
  return lines.join('\n') + '\n';
}
