// Revoked nodes and people, marked in the node bucket so that `aios fleet nodes` can show them from
// a workstation or a node. Only the hub writes these keys: a node may put only its own name's key.
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { RevokedMark } from '../protocol/fleet.js';
import { revokedList, type IdentityKind } from './hub-revocations.js';
import { NODES_BUCKET } from './subjects.js';

export const REVOKED_PREFIX = '_revoked.';
export type { RevokedMark };

export const revokedKey = (kind: IdentityKind, name: string): string => `${REVOKED_PREFIX}${kind}.${name}`;

/** Puts a mark for every revocation in the node bucket (at each hub start, and after a revoke). */
export async function putRevocationMarks(nc: NatsConnection, dir: string): Promise<void> {
  const list = revokedList(dir);
  if (list.length === 0) return;
  const kv = await new Kvm(nc).open(NODES_BUCKET);
  for (const r of list) {
    const mark: RevokedMark = { kind: r.kind, name: r.name, at: r.at, by: r.by };
    await kv.put(revokedKey(r.kind, r.name), JSON.stringify(mark));
  }
}

/** A mark among the bucket's keys and values, or null (a node's facts, or not a mark). */
export function parseMark(key: string, value: unknown): RevokedMark | null {
  if (!key.startsWith(REVOKED_PREFIX)) return null;
  const parsed = RevokedMark.safeParse(value);
  return parsed.success ? parsed.data : null;
}
