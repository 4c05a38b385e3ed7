// The node's figures for Prometheus and the tools that read its text format, at
// [metrics] listen (loopback or a Unix socket only: the endpoint has no authentication).
// prom-client writes the format; the figures are read from the stores when a collector scrapes,
// except approval latency, which is observed as goals are decided.
import { createServer, type Server } from 'node:http';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ListenAddress } from '../config/listen-address.js';
import type { Db } from '../memory/database.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { ModelFigures } from './metrics.js';

export interface MetricsSources {
  db: Db;
  /** The agents' queue depths and restarts (AgentMesh.list). */
  agents: () => readonly { name: string; queued: number; restarts: number }[];
  sessions: () => number;
  models: () => ModelFigures;
  /** Where snapshot blobs too large for the database are kept. */
  blobDir: string;
}

/** Figures that walk a directory or a whole table are read at most this often. */
const SLOW_EVERY_MS = 60_000;

export class MetricsExport {
  readonly registry = new Registry();
  private readonly approvals: Histogram<'by'>;
  /** When each goal's current plan started waiting for a decision. */
  private readonly waiting = new Map<string, number>();
  private slow: { at: number; blobFileBytes: number; ledgerBytes: number } | null = null;
  private server: Server | null = null;

  constructor(private readonly s: MetricsSources) {
    const r = [this.registry];
    const rows = <T>(sql: string): T[] => s.db.prepare(sql).all() as T[];
    new Gauge({
      name: 'aios_goals',
      help: 'Goals kept, by state and the tier that planned them',
      labelNames: ['state', 'tier'],
      registers: r,
      collect() {
        this.reset();
        for (const g of rows<{ state: string; tier: string | null; n: number }>(
          'SELECT g.state, p.tier, COUNT(*) AS n FROM goals g LEFT JOIN plans p ON p.id = g.plan_id GROUP BY g.state, p.tier',
        )) {
          this.set({ state: g.state, tier: g.tier ?? 'none' }, g.n);
        }
      },
    });
    new Gauge({
      name: 'aios_steps',
      help: 'Plan steps kept, by tool and outcome (state)',
      labelNames: ['tool', 'outcome'],
      registers: r,
      collect() {
        this.reset();
        for (const st of rows<{
          tool: string | null;
          state: string;
          n: number;
        }>(`SELECT json_extract(p.spec, '$[' || s.ord || '].tool') AS tool, s.state, COUNT(*) AS n
            FROM steps s JOIN plans p ON p.id = s.plan_id GROUP BY tool, s.state`)) {
          this.set({ tool: st.tool ?? 'unknown', outcome: st.state }, st.n);
        }
      },
    });
    this.approvals = new Histogram({
      name: 'aios_approval_latency_seconds',
      help: 'From a plan waiting for approval to its decision, by who decided (a person, or policy under autonomy)',
      labelNames: ['by'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: r,
    });
    // Counters read from the spend table, which keeps every month: the sum is a running total.
    const spendTotal = (
      name: string,
      help: string,
      column: 'input_tokens' | 'output_tokens' | 'usd' | 'requests',
      labels: string[] = ['provider'],
    ): void => {
      new Counter({
        name,
        help,
        labelNames: labels,
        registers: r,
        collect() {
          this.reset();
          for (const row of rows<{ provider: string; v: number }>(
            `SELECT provider, SUM(${column}) AS v FROM api_spend GROUP BY provider`,
          ))
            this.inc({ provider: row.provider }, row.v);
        },
      });
    };
    spendTotal('aios_planner_input_tokens_total', 'Tokens sent to cloud models', 'input_tokens');
    spendTotal('aios_planner_output_tokens_total', 'Tokens cloud models wrote', 'output_tokens');
    spendTotal('aios_planner_requests_total', 'Requests to cloud models', 'requests');
    spendTotal('aios_planner_spend_usd_total', 'Spend on cloud models, in US dollars', 'usd');
    new Gauge({
      name: 'aios_model_tokens_per_second',
      help: "The local model's measured generation speed (absent with no local model)",
      registers: r,
      collect() {
        this.reset();
        const t = s.models().tokensPerS;
        if (t !== null) this.set(t);
      },
    });
    new Gauge({
      name: 'aios_ledger_entries',
      help: 'Entries in the audit ledger',
      registers: r,
      collect() {
        this.set((s.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM audit').get() as { n: number }).n);
      },
    });
    const slow = (): { blobFileBytes: number; ledgerBytes: number } => this.slowFigures();
    new Gauge({
      name: 'aios_ledger_bytes',
      help: "Bytes of the audit ledger's entries (refreshed at most once a minute)",
      registers: r,
      collect() {
        this.set(slow().ledgerBytes);
      },
    });
    new Gauge({
      name: 'aios_snapshot_store_bytes',
      help: 'Bytes of snapshot content: packed in the database, and files (refreshed at most once a minute)',
      labelNames: ['where'],
      registers: r,
      collect() {
        this.set(
          { where: 'database' },
          (s.db.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM blobs').get() as { n: number }).n,
        );
        this.set({ where: 'files' }, slow().blobFileBytes);
      },
    });
    new Gauge({
      name: 'aios_snapshots',
      help: 'Snapshots kept, by kind (step, auto, manual)',
      labelNames: ['kind'],
      registers: r,
      collect() {
        this.reset();
        for (const k of rows<{ kind: string; n: number }>('SELECT kind, COUNT(*) AS n FROM snapshots GROUP BY kind'))
          this.set({ kind: k.kind }, k.n);
      },
    });
    new Gauge({
      name: 'aios_agent_queue_depth',
      help: 'Tasks waiting for each agent',
      labelNames: ['agent'],
      registers: r,
      collect() {
        for (const a of s.agents()) this.set({ agent: a.name }, a.queued);
      },
    });
    new Counter({
      name: 'aios_agent_restarts_total',
      help: 'Times each agent was restarted since aiosd started',
      labelNames: ['agent'],
      registers: r,
      collect() {
        this.reset();
        for (const a of s.agents()) this.inc({ agent: a.name }, a.restarts);
      },
    });
    new Gauge({
      name: 'aios_sessions',
      help: 'Clients connected to aiosd (TUIs, CLIs, scripts)',
      registers: r,
      collect() {
        this.set(s.sessions());
      },
    });
  }

  /** Every event aiosd broadcasts passes here: a plan starting to wait, and its decision. */
  observe(event: DaemonEvent): void {
    if (event.type !== 'goal.updated') return;
    const { goal } = event;
    if (goal.state === 'awaiting_approval') {
      if (!this.waiting.has(goal.id)) this.waiting.set(goal.id, Date.now());
      return;
    }
    const since = this.waiting.get(goal.id);
    if (since === undefined) {
      // Approved by policy as it was planned: it never waited.
      if (goal.state === 'running' && goal.plan?.steps.some((st) => st.approvedBy?.startsWith('policy') === true))
        this.approvals.observe({ by: 'policy' }, 0);
      return;
    }
    this.waiting.delete(goal.id);
    if (goal.state === 'running' || goal.state === 'rejected')
      this.approvals.observe({ by: 'person' }, (Date.now() - since) / 1000);
  }

  async listen(at: ListenAddress): Promise<string> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) =>
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
    if (at.kind === 'unix') removeStaleSocket(at.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (at.kind === 'unix') server.listen(at.path, resolve);
      else server.listen(at.port, at.host, resolve);
    });
    this.server = server;
    const addr = server.address();
    return typeof addr === 'string'
      ? addr
      : `${at.kind === 'tcp' && at.host.includes(':') ? `[${at.host}]` : (addr?.address ?? '')}:${addr?.port ?? ''}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private slowFigures(): { blobFileBytes: number; ledgerBytes: number } {
    const now = Date.now();
    if (this.slow === null || now - this.slow.at >= SLOW_EVERY_MS) {
      const ledger = this.s.db
        .prepare(
          'SELECT COALESCE(SUM(length(ts) + length(actor) + length(action) + length(subject) + length(detail) + length(prev_hash) + length(hash)), 0) AS n FROM audit',
        )
        .get() as { n: number };
      this.slow = { at: now, blobFileBytes: treeBytes(this.s.blobDir), ledgerBytes: ledger.n };
    }
    return this.slow;
  }
}

/** Bytes of the regular files under dir, leaving out the spare pool kept ready for restores. */
function treeBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.name === '.spare') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) {
      try {
        total += statSync(p).size;
      } catch {
        /* removed while walked */
      }
    }
  }
  return total;
}

// The path is aiosd's own (from its config); a socket file left there by an aiosd that died would make listen() fail.
function removeStaleSocket(path: string): void {
  try {
    if (statSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}
