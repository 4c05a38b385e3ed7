// A workstation's pinned node keys (known-nodes.json next to the person's key, like SSH's
// known_hosts). The first key seen for a node is pinned (trust on first use), or the one the admin
// read at the node's console (`aios fleet join` prints it) is pinned with `aios fleet trust`. A node
// that later presents another key keeps its pinned key in every listing, so its reports, signed
// with the new key, are refused everywhere; the listing says so, and audit verify fails for it.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import type { NodeListing } from '../protocol/fleet.js';
import { checkName } from './subjects.js';

interface Pin {
  key: string;
  /** When it was pinned (ms), and how: seen first, or given by a person. */
  since: number;
  how: 'first use' | 'trusted';
}

const KEY_RE = /^[A-Za-z0-9_-]{43}$/;

export class NodePins {
  constructor(private readonly file: string) {}

  private read(): Record<string, Pin> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Pin>;
    } catch (err) {
      // Never re-pinned from scratch: that would trust whatever key the hub shows now.
      throw new Error(
        `cannot read the pinned node keys in ${this.file}: ${err instanceof Error ? err.message : String(err)} (fix or remove it)`,
      );
    }
  }

  private write(pins: Record<string, Pin>): void {
    writeFileAtomicSync(this.file, JSON.stringify(pins, null, 1) + '\n', { mode: 0o600 });
  }

  /** Pins nodes seen for the first time; a node whose key differs keeps its pinned key, marked. */
  apply<T extends NodeListing>(nodes: readonly T[], now = Date.now()): T[] {
    const pins = this.read();
    let added = false;
    const out = nodes.map((n): T => {
      const pin = pins[n.node];
      if (pin === undefined) {
        pins[n.node] = { key: n.key, since: now, how: 'first use' };
        added = true;
        return n;
      }
      if (pin.key === n.key) return n;
      return { ...n, key: pin.key, keyChanged: { pinned: pin.key, presented: n.key } };
    });
    if (added) this.write(pins);
    return out;
  }

  /** `aios fleet trust NODE KEY`: pins a key a person checked (a new node, or one rebuilt). */
  trust(node: string, key: string, now = Date.now()): { previous: string | null } {
    checkName('node', node);
    if (!KEY_RE.test(key))
      throw new Error(`"${key}" is not a node key (43 characters, as aios fleet status prints it)`);
    const pins = this.read();
    const previous = pins[node]?.key ?? null;
    pins[node] = { key, since: now, how: 'trusted' };
    this.write(pins);
    return { previous };
  }
}

/** A node whose key changed fails audit verify, whatever its stream holds: its witness is in doubt. */
export function withPinCheck<R extends { ok: boolean; problems: string[] }>(r: R, n: NodeListing): R {
  if (n.keyChanged == null) return r;
  return {
    ...r,
    ok: false,
    problems: [
      ...r.problems,
      `the node presents key ${n.keyChanged.presented}, not the key pinned for it (${n.keyChanged.pinned}): rebuilt, or someone speaks for it`,
    ],
  };
}
