// `aios fleet audit verify`: each node's ledger checked end to end from what it published to the
// hub (the chain, and every signed head against the key it came with), then held against the
// node's own copy: an entry the hub witnessed that the node no longer has, or has otherwise, is a
// cut or a rewrite the node's own checks could not see.
import { DeliverPolicy } from '@nats-io/jetstream';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../memory/audit-ledger.js';
import { verifyCheckpoint, verifySeal, type Checkpoint, type Seal } from '../memory/audit-signing.js';
import type { PersonBus } from './person-bus.js';
import { STREAM_AUDIT, subjects } from './subjects.js';

export interface NodeAuditResult {
  node: string;
  ok: boolean;
  /** Entries and signed heads the hub holds for the node. */
  entries: number;
  heads: number;
  /** The node's own head, as it answered (null: it did not). */
  nodeHead: { seq: number; hash: string } | null;
  problems: string[];
}

interface Published {
  entries: AuditEntry[];
  heads: (Checkpoint & { publicKey: string | null })[];
}

/** Everything the AIOS_AUDIT stream holds for `node`, in the order it was published. */
async function published(bus: PersonBus, node: string): Promise<Published> {
  const consumer = await bus.js.consumers.get(STREAM_AUDIT, {
    filter_subjects: subjects.auditAll(node),
    deliver_policy: DeliverPolicy.All,
  });
  const out: Published = { entries: [], heads: [] };
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    let n = 0;
    for await (const m of batch) {
      n++;
      const v = m.json<AuditEntry & Checkpoint & { publicKey: string | null }>();
      if (m.subject.endsWith('.entry')) out.entries.push(v);
      else out.heads.push(v);
      if (m.info.pending === 0) break;
    }
    if (n === 0 || (await consumer.info(true)).num_pending === 0) break;
  }
  return out;
}

/** The chain as published: each entry's hash, each link, each signed head. */
export function checkPublished(p: Published): string[] {
  const problems: string[] = [];
  const bySeq = new Map<number, AuditEntry>();
  let prev: AuditEntry | null = null;
  for (const e of p.entries) {
    const seen = bySeq.get(e.seq);
    if (seen !== undefined) {
      if (seen.hash !== e.hash)
        problems.push(
          `entry ${e.seq} was published twice with different content: the node's ledger was cut or rewritten after ${e.seq - 1}`,
        );
      continue;
    }
    if (entryHash(e.seq, e.ts, e.actor, e.action, e.subject, e.detail, e.prevHash) !== e.hash)
      problems.push(`entry ${e.seq}: its hash does not match its content`);
    const expectedPrev =
      prev === null ? (e.seq === 1 ? GENESIS_HASH : null) : prev.seq === e.seq - 1 ? prev.hash : null;
    if (prev !== null && prev.seq !== e.seq - 1)
      problems.push(`entries ${prev.seq + 1}..${e.seq - 1} were never published`);
    else if (expectedPrev !== null && e.prevHash !== expectedPrev)
      problems.push(`entry ${e.seq} does not continue entry ${e.seq - 1}`);
    bySeq.set(e.seq, e);
    prev = e;
  }
  for (const h of p.heads) {
    if (h.publicKey === null || !verifyCheckpoint(h.publicKey, h))
      problems.push(`signed head at ${h.seq}: the signature does not verify`);
    const e = bySeq.get(h.seq);
    if (e !== undefined && e.hash !== h.hash)
      problems.push(`signed head at ${h.seq} does not match the published entry ${h.seq}`);
  }
  const keys = new Set(p.heads.map((h) => h.keyId));
  if (keys.size > 1)
    problems.push(`the node signed with ${keys.size} different keys (${[...keys].join(', ')}): was it rebuilt?`);
  return problems;
}

/** The node's own copy, page by page over the bus (audit/export: the person must be an admin there), with its seals. */
async function nodeCopy(
  bus: PersonBus,
  node: string,
  timeoutMs: number,
): Promise<{ hashes: Map<number, string>; seals: Seal[] }> {
  const hashes = new Map<number, string>();
  let seals: Seal[] = [];
  let after = 0;
  for (;;) {
    const answer = (await bus.rpc(node, 'audit/export', { afterSeq: after, limit: 1000 }, timeoutMs)) as {
      result?: { entries: { seq: number; hash: string }[]; seals?: Seal[] };
      error?: { message: string };
    };
    if (answer.error !== undefined || answer.result === undefined)
      throw new Error(answer.error?.message ?? 'no answer');
    for (const e of answer.result.entries) hashes.set(e.seq, e.hash);
    seals = answer.result.seals ?? seals;
    const last = answer.result.entries.at(-1);
    if (last === undefined || answer.result.entries.length < 1000) break;
    after = last.seq;
  }
  return { hashes, seals };
}

/**
 * How far the node archived its ledger under seals (collection: src/memory/audit-archive.ts):
 * entries up to there may be gone from its copy. Each seal must be signed by the key the node's
 * published heads carry, continue the one before, and end on the entry the node published there.
 */
function sealedThrough(
  seals: readonly Seal[],
  publicKey: string | null,
  published: ReadonlyMap<number, string>,
): { through: number; problem: string | null } {
  let prev = { seq: 0, hash: GENESIS_HASH };
  for (const s of seals) {
    const bad = (why: string): { through: number; problem: string } => ({
      through: prev.seq,
      problem: `the node's seal over entries ${s.from} to ${s.to} ${why}`,
    });
    if (publicKey === null || !verifySeal(publicKey, s)) return bad('does not verify with the key it published');
    if (s.from !== prev.seq + 1 || s.prevHash !== prev.hash) return bad('does not continue the seal before it');
    const seen = published.get(s.to);
    if (seen !== undefined && seen !== s.hash) return bad('does not end on the entry it published there');
    prev = { seq: s.to, hash: s.hash };
  }
  return { through: prev.seq, problem: null };
}

export async function verifyNodeAudit(bus: PersonBus, node: string, timeoutMs = 10_000): Promise<NodeAuditResult> {
  const p = await published(bus, node);
  const problems = checkPublished(p);
  let nodeHead: NodeAuditResult['nodeHead'] = null;
  try {
    const copy = await nodeCopy(bus, node, timeoutMs);
    const own = copy.hashes;
    // Not Math.max(...keys): spreading a long ledger's seqs as arguments overflows the stack.
    let top = 0;
    for (const seq of own.keys()) if (seq > top) top = seq;
    nodeHead = { seq: top, hash: own.get(top) ?? GENESIS_HASH };
    const firstSeen = new Map<number, string>();
    for (const e of p.entries) if (!firstSeen.has(e.seq)) firstSeen.set(e.seq, e.hash);
    const key = p.heads.find((h) => h.publicKey !== null)?.publicKey ?? null;
    const sealed = sealedThrough(copy.seals, key, firstSeen);
    if (sealed.problem !== null) problems.push(sealed.problem);
    const missing = [...firstSeen.keys()].filter((s) => !own.has(s) && s > sealed.through);
    if (missing.length > 0)
      problems.push(
        `the node no longer has entries ${missing[0]}..${missing.at(-1)} that it published: its ledger's tail was cut`,
      );
    const differ = [...firstSeen].filter(([s, h]) => own.has(s) && own.get(s) !== h).map(([s]) => s);
    if (differ.length > 0)
      problems.push(`the node's entries from ${differ[0]} differ from what it published: rewritten`);
  } catch (err) {
    problems.push(`cannot read the node's own copy: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { node, ok: problems.length === 0, entries: p.entries.length, heads: p.heads.length, nodeHead, problems };
}
