// Builds this node's fleet member from aiosd's parts (called once, from the composition root).
import { execFileSync } from 'node:child_process';
import type { Actor } from '../agents/approval-policy.js';
import type { GoalEngine } from '../agents/goal-engine.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { RpcServer } from '../daemon/rpc-server.js';
import type { FleetConfig } from './fleet-config.js';
import { FleetNode } from './node-agent.js';

/** The uid of a local account by name, through NSS (getent), or null. */
function uidOf(account: string): number | null {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(account)) return null;
  try {
    const line = execFileSync('getent', ['passwd', account], { encoding: 'utf8', timeout: 5000 });
    const uid = Number(line.split(':')[2]);
    return Number.isInteger(uid) ? uid : null;
  } catch {
    return null;
  }
}

export function createFleetNode(o: {
  stateDir: string;
  mode: 'user' | 'system';
  ownerUid: number;
  nodeName: string;
  version: string;
  config: () => FleetConfig | undefined;
  engine: GoalEngine;
  ledger: AuditLedger;
  server: RpcServer;
  /** aiosd's own accessFor: the role an account's groups give it, as for a local connection. */
  access: (cred: { uid: number }) => { ok: true; actor: Actor } | { ok: false; refusal: string };
  problems: () => string[];
  log: (line: string) => void;
  warn: (line: string) => void;
}): FleetNode {
  return new FleetNode({
    stateDir: o.stateDir,
    nodeName: o.nodeName,
    version: o.version,
    config: o.config,
    engine: o.engine,
    ledger: {
      list: (q) => o.ledger.list(q),
      checkpoints: (fromSeq) => o.ledger.checkpoints(fromSeq),
      publicKey: () => o.ledger.exportPage(0, 1).publicKey,
      head: () => o.ledger.head(),
    },
    audit: (action, subject, detail) => o.ledger.append({ actor: 'fleet', action, subject, detail }),
    actorFor: (account) => {
      const uid = uidOf(account);
      if (uid === null) return `[fleet] people maps the key to "${account}", which is no account on this node`;
      if (o.mode === 'user' && uid !== o.ownerUid)
        return `this aiosd runs in user mode and acts only as uid ${o.ownerUid}, not as ${account}`;
      const a = o.access({ uid });
      return a.ok ? a.actor : a.refusal;
    },
    rpc: (actor, method, params) => o.server.callAs(actor, method, params),
    problems: o.problems,
    log: o.log,
    warn: o.warn,
  });
}
