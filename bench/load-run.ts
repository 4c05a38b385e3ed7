// Many sessions, many goals, one daemon: every session subscribes to the live events, the
// goals are submitted and approved concurrently, and the figures a reviewer asks for come
// back: approval latency, daemon memory over time, WAL size, and whether any goal was lost
// or ran twice (counted from the audit ledger, not from the goals' own states).
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AiosClient } from '../src/protocol/client.js';
import type { GoalView } from '../src/protocol/model.js';

export interface LoadResult {
  sessions: number;
  goals: number;
  succeeded: number;
  lost: number;
  ranTwice: number;
  approvalMs: number[];
  rssKb: number[];
  walBytes: number;
  eventsPerSession: number;
  durationMs: number;
}

/** Tool calls per goal, counted from the ledger itself (not from the goals' own states). */
export async function toolCallsPerGoal(client: AiosClient): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await client.call(
      'audit/list',
      beforeSeq === undefined ? { limit: 1000 } : { limit: 1000, beforeSeq },
    );
    for (const e of page.entries) {
      const goalId = (e.detail as { goalId?: string }).goalId;
      if (e.action === 'tool.call' && goalId !== undefined) calls.set(goalId, (calls.get(goalId) ?? 0) + 1);
    }
    const oldest = page.entries.at(-1)?.seq;
    if (oldest === undefined || oldest <= 1) return calls;
    beforeSeq = oldest;
  }
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

export async function runLoad(opts: {
  socketPath: string;
  stateDir: string;
  workDir: string;
  daemonPid: number;
  sessions: number;
  goals: number;
  rounds?: number;
}): Promise<LoadResult> {
  const start = Date.now();
  const sessions = await Promise.all(
    Array.from({ length: opts.sessions }, (_, i) =>
      AiosClient.connect({ socketPath: opts.socketPath, clientName: `load-${i}` }),
    ),
  );
  const seen = sessions.map(() => 0);
  sessions.forEach((s, i) =>
    s.onEvent(() => {
      seen[i] = (seen[i] ?? 0) + 1;
    }),
  );
  await Promise.all(sessions.map((s) => s.call('events/subscribe', {})));
  const rss: number[] = [rssKb(opts.daemonPid)];
  const approvalMs: number[] = [];
  const goalIds: string[] = [];
  const rounds = opts.rounds ?? 1;
  for (let round = 0; round < rounds; round++) {
    // Each goal is submitted and approved by a different session, all at once.
    const submitted = await Promise.all(
      Array.from({ length: opts.goals }, (_, i) => {
        const s = sessions[i % sessions.length] as AiosClient;
        return s.call('goal/submit', {
          text: `create a file ${join(opts.workDir, `load-${round}-${i}.txt`)} containing ${round}-${i}`,
        });
      }),
    );
    await Promise.all(
      submitted.map(async (g: GoalView, i) => {
        const s = sessions[(i + 1) % sessions.length] as AiosClient;
        const t = process.hrtime.bigint();
        await s.call('plan/decide', { planId: g.plan?.id ?? '', planHash: g.plan?.hash ?? '', decision: 'approve' });
        approvalMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        goalIds.push(g.id);
      }),
    );
    const first = sessions[0] as AiosClient;
    for (let waited = 0; waited < 60_000; waited += 50) {
      const list = await first.call('goal/list', { limit: 500 });
      if (list.goals.filter((g) => goalIds.includes(g.id)).every((g) => ['succeeded', 'failed'].includes(g.state)))
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    rss.push(rssKb(opts.daemonPid));
  }
  const first = sessions[0] as AiosClient;
  const listed = (await first.call('goal/list', { limit: 500 })).goals;
  const states = listed.filter((g) => goalIds.includes(g.id));
  const calls = await toolCallsPerGoal(first);
  for (const s of sessions) s.close();
  const wal = join(opts.stateDir, 'aios.db-wal');
  return {
    sessions: opts.sessions,
    goals: goalIds.length,
    succeeded: states.filter((g) => g.state === 'succeeded').length,
    lost: goalIds.filter((id) => (calls.get(id) ?? 0) === 0).length,
    ranTwice: goalIds.filter((id) => (calls.get(id) ?? 0) > 1).length,
    approvalMs,
    rssKb: rss,
    walBytes: existsSync(wal) ? statSync(wal).size : 0,
    eventsPerSession: Math.min(...seen),
    durationMs: Date.now() - start,
  };
}
