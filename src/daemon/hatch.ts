// The escape hatch: a real shell in a TUI pane, for what no tool covers yet. The daemon spawns
// it (the TUI never runs anything), as the asking user, under a pseudo-terminal, only when the
// config allows it for that user's role. Every session is in the ledger (opened, closed, with
// the hashes of its recording) and recorded byte for byte like sudo's I/O logs.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as pty from 'node-pty';
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { Actor } from '../agents/approval-policy.js';
import { OpError } from '../agents/op-error.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import { IoLog } from './hatch-log.js';
import type { EscapeHatch } from '../protocol/vocabulary.js';

export type HatchPolicy = EscapeHatch;

export interface HatchOwner {
  id: number;
  actor: Actor;
  notify: (event: DaemonEvent) => void;
  onClose: (fn: () => void) => void;
}

export interface HatchDeps {
  stateDir: string;
  ledger: AuditLedger;
  policy: () => HatchPolicy;
  /** In system mode the shell runs as the asking user; in user mode the daemon is that user. */
  mode: 'user' | 'system';
  passwdFile?: string;
}

interface Hatch {
  id: string;
  owner: number;
  actor: string;
  term: pty.IPty;
  log: IoLog;
  /** Output not yet sent: batched so a flood costs one frame per turn of the event loop. */
  pending: string;
  flush: ReturnType<typeof setImmediate> | null;
  done: boolean;
}

/** Programs that would not be a way out: aiOS's own shell, or a login that is refused. */
const NOT_A_SHELL = new Set(['aios-shell', 'aios', 'nologin', 'false', 'true', 'sync']);
const FALLBACK_SHELLS = ['/bin/bash', '/bin/sh'];

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function passwdEntry(uid: number, file: string): PasswdEntry | null {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[2] === String(uid))
      return { name: f[0] ?? '', uid, gid: Number(f[3] ?? uid), home: f[5] || '/', shell: f[6] ?? '' };
  }
  return null;
}

export function chooseShell(loginShell: string): string {
  if (loginShell !== '' && !NOT_A_SHELL.has(basename(loginShell)) && existsSync(loginShell)) return loginShell;
  return FALLBACK_SHELLS.find((s) => existsSync(s)) ?? '/bin/sh';
}

export function hatchRefusal(policy: HatchPolicy, actor: Actor): string | null {
  if (policy === 'never')
    return 'the escape hatch is turned off on this node ([shell] escape_hatch = "never" in config.toml)';
  if (actor.role === 'viewer') return `${actor.name} is a viewer: the escape hatch is for operators and admins`;
  if (policy === 'admin' && actor.role !== 'admin') {
    return `only admins may open the escape hatch on this node ([shell] escape_hatch = "admin"); ask an admin, or use goals`;
  }
  return null;
}

export class HatchManager {
  private readonly hatches = new Map<string, Hatch>();

  constructor(private readonly deps: HatchDeps) {}

  open(
    owner: HatchOwner,
    size: { cols: number; rows: number; term: string },
  ): { hatchId: string; shell: string; logDir: string } {
    const { actor } = owner;
    const refusal = hatchRefusal(this.deps.policy(), actor);
    if (refusal !== null) {
      this.deps.ledger.append({
        actor: actor.name,
        action: 'hatch.denied',
        subject: actor.name,
        detail: { reason: refusal },
      });
      throw new OpError('Unauthorized', refusal);
    }
    const entry = passwdEntry(actor.uid, this.deps.passwdFile ?? '/etc/passwd');
    const user = this.deps.mode === 'user';
    const shell = chooseShell(user ? (process.env['SHELL'] ?? entry?.shell ?? '') : (entry?.shell ?? ''));
    const home = actor.home;
    const id = ulid();
    const logDir = join(this.deps.stateDir, 'hatch', id);
    // The ledger entry comes first: a session that cannot be audited does not start.
    this.deps.ledger.append({
      actor: actor.name,
      action: 'hatch.open',
      subject: id,
      detail: { shell, uid: actor.uid, logDir, cols: size.cols, rows: size.rows, term: size.term },
    });
    const log = new IoLog(logDir, {
      id,
      user: actor.name,
      uid: actor.uid,
      shell,
      cwd: home,
      term: size.term,
      cols: size.cols,
      rows: size.rows,
      started: new Date().toISOString(),
    });
    // A minimal environment: the daemon's own variables (API keys among them) never reach it.
    const env: Record<string, string> = {
      HOME: home,
      USER: entry?.name ?? actor.name,
      LOGNAME: entry?.name ?? actor.name,
      SHELL: shell,
      TERM: size.term || 'xterm-256color',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: process.env['LANG'] ?? 'C.UTF-8',
      AIOS_HATCH: id,
    };
    const asOther = !user && process.getuid?.() !== actor.uid;
    let term: pty.IPty;
    try {
      term = pty.spawn(shell, [], {
        name: env['TERM'] ?? 'xterm-256color',
        cols: size.cols,
        rows: size.rows,
        cwd: existsSync(home) ? home : '/',
        env,
        ...(asOther ? { uid: actor.uid, gid: entry?.gid ?? actor.uid } : {}),
      });
    } catch (err) {
      log.close();
      this.deps.ledger.append({
        actor: actor.name,
        action: 'hatch.close',
        subject: id,
        detail: { error: String(err) },
      });
      throw new OpError('Failed', `could not start ${shell}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const hatch: Hatch = { id, owner: owner.id, actor: actor.name, term, log, pending: '', flush: null, done: false };
    this.hatches.set(id, hatch);
    term.onData((data) => {
      log.output(data);
      hatch.pending += data;
      hatch.flush ??= setImmediate(() => {
        hatch.flush = null;
        const chunk = hatch.pending;
        hatch.pending = '';
        if (chunk !== '') owner.notify({ type: 'hatch.output', hatchId: id, data: chunk });
      });
    });
    term.onExit(({ exitCode, signal }) => {
      // Let the last output go first.
      setImmediate(() => {
        if (hatch.pending !== '') owner.notify({ type: 'hatch.output', hatchId: id, data: hatch.pending });
        hatch.pending = '';
        this.finish(hatch, { code: exitCode, signal: signal ?? null });
        owner.notify({ type: 'hatch.exited', hatchId: id, code: exitCode, signal: signal ?? null });
      });
    });
    owner.onClose(() => this.kill(hatch, 'the client went away'));
    return { hatchId: id, shell, logDir };
  }

  input(ownerId: number, hatchId: string, data: string): void {
    const hatch = this.own(ownerId, hatchId);
    hatch.log.input(data);
    hatch.term.write(data);
  }

  resize(ownerId: number, hatchId: string, cols: number, rows: number): void {
    const hatch = this.own(ownerId, hatchId);
    hatch.log.resize(rows, cols);
    hatch.term.resize(cols, rows);
  }

  close(ownerId: number, hatchId: string): void {
    this.kill(this.own(ownerId, hatchId), 'closed from the TUI');
  }

  /** At daemon shutdown: every session ends and is recorded as ended. */
  closeAll(): void {
    for (const hatch of [...this.hatches.values()]) this.kill(hatch, 'aiosd stopped');
  }

  get openCount(): number {
    return this.hatches.size;
  }

  private own(ownerId: number, hatchId: string): Hatch {
    const hatch = this.hatches.get(hatchId);
    // Another client's session is as good as absent: never say whose it is.
    if (hatch === undefined || hatch.owner !== ownerId)
      throw new OpError('NotFound', `no open escape hatch "${hatchId}" on this connection`);
    return hatch;
  }

  private kill(hatch: Hatch, reason: string): void {
    if (hatch.done) return;
    this.finish(hatch, { reason });
    try {
      hatch.term.kill('SIGHUP');
    } catch {
      // Already gone.
    }
  }

  private finish(hatch: Hatch, detail: Record<string, unknown>): void {
    if (hatch.done) return;
    hatch.done = true;
    this.hatches.delete(hatch.id);
    if (hatch.flush !== null) clearImmediate(hatch.flush);
    const summary = hatch.log.close();
    try {
      this.deps.ledger.append({
        actor: hatch.actor,
        action: 'hatch.close',
        subject: hatch.id,
        detail: { ...detail, ...summary },
      });
    } catch {
      // The database is already closed at shutdown; the recording itself is complete on disk.
    }
  }
}
