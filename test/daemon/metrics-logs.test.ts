// [metrics] listen and [system] log_format / log_level in a real built aiosd: the endpoint is
// scraped over HTTP and its text parsed strictly; the log's JSON lines are parsed; the level filters.
import { request } from 'node:http';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/memory/database.js';
import { MetricsExport } from '../../src/daemon/metrics-export.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { parsePrometheusText, type Family } from '../helpers/prometheus-text.js';

const daemons: TestDaemon[] = [];
afterAll(async () => {
  for (const d of daemons) await disposeTestDaemon(d);
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function daemonWith(config: string): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
  writeFileSync(join(dir, 'config.toml'), config);
  const d = await startTestDaemon({ dir });
  daemons.push(d);
  return d;
}

function get(opts: {
  port?: number;
  socketPath?: string;
  path?: string;
}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        path: opts.path ?? '/metrics',
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.socketPath === undefined ? {} : { socketPath: opts.socketPath }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const value = (f: Family | undefined, labels: Record<string, string> = {}, name = f?.name): number | undefined =>
  f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('metrics and logs', () => {
  it('serves the figures over HTTP on loopback, and logs JSON lines at debug', async () => {
    const port = await freePort();
    const d = await daemonWith(
      `[metrics]\nlisten = "127.0.0.1:${port}"\n[system]\nlog_format = "json"\nlog_level = "debug"\n`,
    );
    const c = await d.client();
    await c.call('events/subscribe', {});
    const goal = await c.call('goal/submit', { text: `create a file ${join(d.dir, 'm.txt')} containing metrics` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    for (let i = 0; i < 100 && (await c.call('goal/get', { goalId: goal.id })).state === 'running'; i++)
      await new Promise((r) => setTimeout(r, 50));

    const r = await get({ port });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheusText(r.body);
    expect(value(m.get('aios_goals'), { state: 'succeeded', tier: 'reactive' })).toBe(1);
    expect(value(m.get('aios_steps'), { tool: 'fs.write', outcome: 'succeeded' })).toBe(1);
    const latency = m.get('aios_approval_latency_seconds');
    expect(latency?.type).toBe('histogram');
    expect(value(latency, { by: 'person' }, 'aios_approval_latency_seconds_count')).toBe(1);
    expect(value(latency, { by: 'person', le: '+Inf' }, 'aios_approval_latency_seconds_bucket')).toBe(1);
    expect(m.get('aios_planner_spend_usd_total')?.type).toBe('counter');
    expect(value(m.get('aios_ledger_entries'))).toBeGreaterThan(0);
    expect(value(m.get('aios_ledger_bytes'))).toBeGreaterThan(0);
    expect(value(m.get('aios_snapshot_store_bytes'), { where: 'database' })).toBeGreaterThanOrEqual(0);
    expect(value(m.get('aios_snapshots'), { kind: 'step' })).toBe(1);
    expect(value(m.get('aios_agent_queue_depth'), { agent: 'storage' })).toBe(0);
    expect(value(m.get('aios_agent_restarts_total'), { agent: 'storage' })).toBe(0);
    expect(value(m.get('aios_sessions'))).toBeGreaterThanOrEqual(1);
    expect((await get({ port, path: '/' })).status).toBe(404);
    c.close();

    const lines = d
      .log()
      .split('\n')
      .filter((l) => l !== '');
    const records = lines.map((l) => JSON.parse(l) as { time: string; level: string; msg: string; component?: string });
    for (const rec of records) {
      expect(Number.isNaN(Date.parse(rec.time))).toBe(false);
      expect(['debug', 'info', 'warn', 'error']).toContain(rec.level);
      expect(typeof rec.msg).toBe('string');
    }
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'debug', msg: expect.stringMatching(/^configuration from /) as unknown }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        component: 'metrics',
        msg: `metrics for Prometheus: GET http://127.0.0.1:${port}/metrics`,
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/listening on/) as unknown }),
    );
  });

  it('log_level = "warn" leaves out info and debug lines', async () => {
    const d = await daemonWith('[system]\nlog_level = "warn"\n');
    await d.stop();
    expect(d.log()).not.toMatch(/listening on|configuration from|SIGTERM: shutting down/);
    for (const line of d
      .log()
      .split('\n')
      .filter((l) => l !== ''))
      expect(line).toMatch(/^\S+ aiosd: (warning|error): /);
  });

  it('serves HTTP over a Unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-metrics-'));
    const db = openDatabase(join(dir, 'aios.db'));
    const exp = new MetricsExport({
      db,
      agents: () => [{ name: 'storage', queued: 2, restarts: 1 }],
      sessions: () => 3,
      models: () => ({ tokensPerS: 12.5, spendUsd: null, budgetUsd: null }),
      blobDir: join(dir, 'snapshots'),
    });
    try {
      const socketPath = join(dir, 'metrics.sock');
      expect(await exp.listen({ kind: 'unix', path: socketPath })).toBe(socketPath);
      const m = parsePrometheusText((await get({ socketPath })).body);
      expect(value(m.get('aios_agent_queue_depth'), { agent: 'storage' })).toBe(2);
      expect(value(m.get('aios_agent_restarts_total'), { agent: 'storage' })).toBe(1);
      expect(value(m.get('aios_sessions'))).toBe(3);
      expect(value(m.get('aios_model_tokens_per_second'))).toBe(12.5);
      expect(m.get('aios_goals')?.samples).toEqual([]);
    } finally {
      await exp.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
