// The protocol methods of tools, snapshots and the ledger's export: one tool as a one-step
// plan, the tool list, manual tree snapshots, restores (all or nothing, then state), and
// paged export with the signed checkpoints.
import { OpError } from '../agents/op-error.js';
import type { GoalEngine } from '../agents/goal-engine.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import { pathTextProblem } from '../policy/path-guard.js';
import type { ToolRegistry } from '../tools/registry.js';
import { SnapshotNotFoundError, SnapshotRestoreError, type SnapshotStore } from '../recovery/snapshot-store.js';
import type { Handlers } from './rpc-server.js';

export interface ToolHandlerDeps {
  engine: GoalEngine;
  registry: ToolRegistry;
  snapshots: SnapshotStore;
  ledger: AuditLedger;
}

type ToolMethods =
  'snapshot/restore' | 'snapshot/preview' | 'snapshot/create' | 'tool/list' | 'tool/plan' | 'audit/export';

const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A path a request names: absolute, and plain text (a newline or control character in it is refused). */
function checkedPath(path: string, what: string): string {
  if (!path.startsWith('/')) throw new OpError('InvalidParams', `${path}: ${what} must be absolute`);
  const problem = pathTextProblem(path);
  if (problem !== null) throw new OpError('InvalidParams', `${JSON.stringify(path)} ${problem}`);
  return path;
}

const restorePath = (path: string | undefined): string | undefined =>
  path === undefined ? undefined : checkedPath(path, 'the path to restore');

export function toolHandlers(d: ToolHandlerDeps): Pick<Handlers, ToolMethods> {
  return {
    // A snapshot may hold any path on the node: putting one back is an admin's decision (methods.ts).
    'snapshot/restore': async (p, conn) => {
      const under = restorePath(p.path);
      d.ledger.append({
        actor: conn.actor.name,
        action: 'snapshot.restore.begin',
        subject: p.snapshotId,
        detail: under === undefined ? {} : { path: under },
      });
      try {
        const r = await d.snapshots.restore(p.snapshotId, under === undefined ? {} : { under });
        d.ledger.append({
          actor: conn.actor.name,
          action: 'snapshot.restore',
          subject: p.snapshotId,
          detail: {
            ...(under === undefined ? {} : { path: under }),
            paths: r.restored.length,
            changed: r.changed,
            problems: r.problems,
          },
        });
        return r;
      } catch (err) {
        if (err instanceof SnapshotNotFoundError) throw new OpError('NotFound', err.message);
        d.ledger.append({
          actor: conn.actor.name,
          action: 'snapshot.restore.failed',
          subject: p.snapshotId,
          detail: { error: text(err) },
        });
        throw new OpError('Failed', `restore failed: ${text(err)}`);
      }
    },
    'snapshot/preview': (p) => {
      try {
        return d.snapshots.previewRestore(p.snapshotId, restorePath(p.path));
      } catch (err) {
        if (err instanceof SnapshotNotFoundError) throw new OpError('NotFound', err.message);
        if (err instanceof SnapshotRestoreError) throw new OpError('InvalidParams', err.message);
        throw err;
      }
    },
    // Copies every file it reads into the state directory: only an admin may (think /etc/shadow; methods.ts).
    'snapshot/create': (p, conn) => {
      for (const path of p.paths) checkedPath(path, 'snapshot paths');
      const r = d.snapshots.captureTree({
        roots: p.paths,
        label: p.label ?? `manual: ${p.paths.join(', ')}`,
        kind: 'manual',
      });
      d.ledger.append({
        actor: conn.actor.name,
        action: 'snapshot.create',
        subject: r.snapshot.id,
        detail: { roots: p.paths, entries: r.entries, skipped: r.skipped.length },
      });
      return r;
    },
    'tool/list': () => ({
      tools: d.registry
        .describe({ all: true })
        .map((t) => ({ ...t, inputSchema: t.inputSchema as Record<string, unknown> })),
    }),
    'tool/plan': (p, conn) => d.engine.submitDirect(p.tool, p.args, conn.actor),
    'audit/export': (p) => d.ledger.exportPage(p.afterSeq, p.limit),
  };
}
