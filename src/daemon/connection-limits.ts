// Caps that keep one account from locking everyone else out of aiosd: a limit per uid, a share
// of the slots kept for admins (as login keeps slots for root and sshd's MaxStartups limits
// unauthenticated connections), and a log line whenever a cap refuses someone.
import type { PeerCred } from './peer-cred.js';

export interface LimitSettings {
  /** Connections in all. */
  maxClients: number;
  /** Connections one uid may hold (root is not capped: it is the node's administrator). */
  maxPerUid: number;
  /** Of maxClients, how many only admins may take. */
  adminReserve: number;
  /** How long a connection may stay without sending initialize. */
  handshakeMs: number;
}

/** Refusals of one kind from one uid are logged at most this often, with how many were not. */
const LOG_EVERY_MS = 10_000;

export class ConnectionLimits {
  private total = 0;
  private readonly perUid = new Map<number, number>();
  private readonly logged = new Map<string, { at: number; quiet: number }>();

  constructor(
    private readonly settings: LimitSettings,
    private readonly log: (line: string) => void,
  ) {}

  /** Takes a slot for the connection, or says (and logs) why none is left for it. */
  admit(cred: PeerCred, name: string, admin: boolean): string | null {
    const { maxClients, maxPerUid, adminReserve } = this.settings;
    const mine = this.perUid.get(cred.uid) ?? 0;
    let refusal: string | null = null;
    if (this.total >= maxClients) {
      refusal = `aiosd has ${this.total} connections, its limit ([daemon] max_clients); try again shortly`;
    } else if (!admin && this.total >= maxClients - adminReserve) {
      refusal = `aiosd has ${this.total} connections; the last ${adminReserve} are kept for admins ([daemon] admin_reserved_clients); try again shortly`;
    } else if (cred.uid !== 0 && mine >= maxPerUid) {
      refusal = `${name} already has ${mine} connections to aiosd, the limit per account ([daemon] max_clients_per_uid); close some (other aios or aios-shell sessions) and try again`;
    }
    if (refusal !== null) {
      this.note(`refused a connection from ${name} (uid ${cred.uid}, pid ${cred.pid}): ${refusal}`, `cap:${cred.uid}`);
      return refusal;
    }
    this.total++;
    this.perUid.set(cred.uid, mine + 1);
    return null;
  }

  release(uid: number): void {
    this.total = Math.max(0, this.total - 1);
    const left = (this.perUid.get(uid) ?? 1) - 1;
    if (left <= 0) this.perUid.delete(uid);
    else this.perUid.set(uid, left);
  }

  /**
   * Logs a refusal. A flood of them (one account opening hundreds of connections) is one line
   * per kind and uid every ten seconds, saying how many more there were, not a line each.
   */
  note(line: string, key: string, now = Date.now()): void {
    const last = this.logged.get(key);
    if (last !== undefined && now - last.at < LOG_EVERY_MS) {
      last.quiet++;
      return;
    }
    const more =
      last !== undefined && last.quiet > 0
        ? ` (and ${last.quiet} more like it in the last ${Math.round((now - last.at) / 1000)} s)`
        : '';
    this.logged.set(key, { at: now, quiet: 0 });
    if (this.logged.size > 10_000) this.logged.clear(); // bounded: one key per uid and kind
    this.log(`${line}${more}`);
  }
}
