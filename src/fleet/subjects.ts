// Every subject, stream and bucket name of the fleet, in one place. A node speaks only under
// aios.node.<name>.out/audit and hears only aios.node.<name>.in and aios.rpc.<name>; people send
// to nodes' in-subjects and read the out-streams. docs/fleet.md explains the design.

/** A node or person name: what may stand as one subject token (no dots, wildcards or spaces). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Who holds fleet credentials of their own: a node, or a person at a workstation. */
export type IdentityKind = 'node' | 'person';

export function checkName(kind: IdentityKind, name: string): string {
  if (!NAME_RE.test(name))
    throw new Error(
      `${kind} name "${name}" is not usable: 1 to 63 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  return name;
}

export const STREAM_IN = 'AIOS_IN';
export const STREAM_OUT = 'AIOS_OUT';
export const STREAM_AUDIT = 'AIOS_AUDIT';
export const NODES_BUCKET = 'aios_nodes';

export const subjects = {
  /** Work for a node (fleet goals, approvals), kept in AIOS_IN until the node takes it. */
  in: (node: string, kind: string) => `aios.node.${node}.in.${kind}`,
  inAll: (node: string) => `aios.node.${node}.in.>`,
  /** What a node says about a fleet goal (plans, progress, results), kept in AIOS_OUT. */
  goalOut: (node: string, fleetGoal: string, kind: string) => `aios.node.${node}.out.goal.${fleetGoal}.${kind}`,
  goalOutAll: (fleetGoal: string) => `aios.node.*.out.goal.${fleetGoal}.>`,
  /** A node's ledger entries and signed heads, kept in AIOS_AUDIT, which nobody may delete from. */
  audit: (node: string, kind: 'entry' | 'head') => `aios.node.${node}.audit.${kind}`,
  auditAll: (node: string) => `aios.node.${node}.audit.>`,
  /** JSON-RPC calls to a node's aiosd (core request-reply: nothing kept). */
  rpc: (node: string) => `aios.rpc.${node}`,
  /** Each identity's own reply inbox, so nobody reads another's replies. */
  inbox: (kind: 'node' | 'person' | 'hub', name: string) => `_INBOX_${kind}_${name}`,
  /** The durable consumer through which a node takes its work. */
  nodeConsumer: (node: string) => `node_${node}`,
};
