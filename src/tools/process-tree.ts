// A step's whole process tree, found and ended by the daemon from what it knows of it, not from
// a ChildProcess object (the program may have been started by another process that only
// reported it): a cgroup v2 of the step's own where the node lets aiosd make one, since
// cgroup.kill ends everything in it however it was started, and the process groups its
// programs lead otherwise (a descendant that calls setsid leaves its group, so the group is
// the fallback, not the answer).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcStat } from './procfs.js';

/** One program a step started: its pid, the group it leads, and when it started (pids are reused). */
export interface ProcessRef {
  pid: number;
  pgid: number;
  /** /proc/<pid>/stat field 22, clock ticks after boot; null when it could not be read. */
  startTime: number | null;
}

/** How long a tree gets between SIGTERM and SIGKILL. */
export const TREE_GRACE_MS = 2000;

/** /proc/<pid>/stat of a process that is alive (not a zombie), or null. */
export function liveStat(pid: number): { pgrp: number; startTime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const stat = parseProcStat(text);
  if (stat === null || stat.state === 'Z' || stat.state === 'X') return null;
  return { pgrp: stat.pgrp, startTime: stat.startTime };
}

/** The same process as the one recorded: alive, with the start time it had (a reused pid is another process). */
export function sameProcess(ref: ProcessRef): boolean {
  const now = liveStat(ref.pid);
  return now !== null && (ref.startTime === null || now.startTime === ref.startTime);
}

/** Every live process whose group is one of `pgids`. */
function groupMembers(pgids: ReadonlySet<number>): number[] {
  if (pgids.size === 0) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = liveStat(Number(name));
    if (stat !== null && pgids.has(stat.pgrp)) out.push(Number(name));
  }
  return out;
}

/** By the AIOS_STEP_CGROUPS asked for ('' for none): found once each. */
const bases = new Map<string, { path: string | null; why: string }>();

/**
 * Where step cgroups are made: AIOS_STEP_CGROUPS (aios-init names one it cleans before each
 * start of aiosd), else `aios-steps` under aiosd's own cgroup v2. Null, with why, where there
 * is no cgroup v2, no cgroup.kill (Linux before 5.14) or it cannot be written.
 */
export function stepCgroupBase(env: NodeJS.ProcessEnv = process.env): { path: string | null; why: string } {
  const key = env.AIOS_STEP_CGROUPS ?? '';
  const known = bases.get(key) ?? findBase(env);
  bases.set(key, known);
  return known;
}

function findBase(env: NodeJS.ProcessEnv): { path: string | null; why: string } {
  let dir = env.AIOS_STEP_CGROUPS;
  if (dir === undefined || dir === '') {
    const mount = cgroup2Mount();
    if (mount === null) return { path: null, why: 'no cgroup v2 is mounted' };
    const own = /^0::(.*)$/m.exec(readText('/proc/self/cgroup'))?.[1];
    if (own === undefined) return { path: null, why: 'aiosd is in no cgroup v2' };
    dir = join(mount, own, 'aios-steps');
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    return { path: null, why: `cannot make ${dir}: ${(err as Error).message}` };
  }
  if (!existsSync(join(dir, 'cgroup.kill')))
    return { path: null, why: `${dir} has no cgroup.kill (Linux 5.14 or later has it)` };
  return { path: dir, why: `steps run in cgroups under ${dir}` };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** /proc/self/mountinfo: the mount point of the cgroup2 filesystem (after " - " comes the type). */
function cgroup2Mount(): string | null {
  for (const line of readText('/proc/self/mountinfo').split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] !== 'cgroup2') continue;
    const point = left?.split(' ')[4];
    if (point !== undefined)
      return point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  }
  return null;
}

/** Ends every process in each cgroup directory below `dir` and removes them (aios-init, before it starts aiosd). */
export function killCgroupsUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const killed: string[] = [];
  for (const name of names) {
    const tree = new ProcessTree(join(dir, name));
    if (tree.running().length > 0) {
      killed.push(name);
      try {
        writeFileSync(join(dir, name, 'cgroup.kill'), '1');
      } catch {
        /* gone meanwhile */
      }
      // SIGKILL is delivered at once, but the exits take a moment; a second at most, then go on.
      const wait = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 50 && tree.running().length > 0; i++) Atomics.wait(wait, 0, 0, 20);
    }
    tree.release();
  }
  return killed;
}

/**
 * The processes of one step: its cgroup (when there is one) and the programs it reported.
 * Ends them all with SIGTERM, then SIGKILL after the grace period.
 */
export class ProcessTree {
  private readonly refs: ProcessRef[] = [];

  constructor(readonly cgroup: string | null) {}

  /** A tree with a fresh cgroup named `name` where cgroups can be made, else one that counts on process groups. */
  static create(name: string): ProcessTree {
    const at = stepCgroupBase().path;
    if (at === null) return new ProcessTree(null);
    const dir = join(at, name.replace(/[^\w.-]/g, '_'));
    try {
      mkdirSync(dir);
      return new ProcessTree(dir);
    } catch {
      return new ProcessTree(null);
    }
  }

  /** What it holds, for the journal. */
  get processes(): readonly ProcessRef[] {
    return this.refs;
  }

  /** A program it started: moved into the cgroup (if the starter had not put it there) and remembered. */
  add(pid: number, pgid: number): ProcessRef {
    const ref = { pid, pgid, startTime: liveStat(pid)?.startTime ?? null };
    this.refs.push(ref);
    if (this.cgroup !== null) {
      try {
        writeFileSync(join(this.cgroup, 'cgroup.procs'), String(pid));
      } catch {
        /* it already ended, or it is there */
      }
    }
    return ref;
  }

  /**
   * A process recorded earlier (the journal, after a restart): watched, not moved. Its group
   * counts only while its leader is still the process recorded: an empty group's id may since
   * have been taken by someone else's.
   */
  track(ref: ProcessRef): void {
    if (ref.pid !== ref.pgid || sameProcess(ref)) this.refs.push(ref);
    else this.refs.push({ ...ref, pgid: -1 });
  }

  /** The live processes of the tree now. */
  running(): number[] {
    const pids = new Set<number>();
    if (this.cgroup !== null) {
      for (const p of readText(join(this.cgroup, 'cgroup.procs')).split('\n'))
        if (/^\d+$/.test(p) && liveStat(Number(p)) !== null) pids.add(Number(p));
    }
    for (const p of groupMembers(new Set(this.refs.map((r) => r.pgid).filter((g) => g > 0)))) pids.add(p);
    for (const r of this.refs) if (sameProcess(r)) pids.add(r.pid);
    return [...pids];
  }

  /** SIGTERM to everything in it, SIGKILL to whatever remains after `graceMs`; resolves when none runs (or after a bound). */
  async end(graceMs = TREE_GRACE_MS): Promise<{ signalled: number; killed: boolean }> {
    const first = this.running();
    if (first.length === 0) return { signalled: 0, killed: false };
    this.signal('SIGTERM', first);
    if (await this.gone(graceMs)) return { signalled: first.length, killed: false };
    if (this.cgroup !== null) {
      try {
        writeFileSync(join(this.cgroup, 'cgroup.kill'), '1');
      } catch {
        /* fall back on the signals below */
      }
    }
    this.signal('SIGKILL', this.running());
    await this.gone(2000);
    return { signalled: first.length, killed: true };
  }

  /** Removes the cgroup once nothing is in it (a cgroup with processes cannot be removed). */
  release(): void {
    if (this.cgroup === null) return;
    try {
      rmdirSync(this.cgroup);
    } catch {
      /* still busy or already gone */
    }
  }

  private signal(sig: NodeJS.Signals, pids: readonly number[]): void {
    // A whole group at once (atomic against forks), but only a group that still has members:
    // an empty group's id may since name someone else's.
    const live = new Set(pids.map((p) => liveStat(p)?.pgrp));
    for (const pgid of new Set(this.refs.map((r) => r.pgid))) {
      if (pgid <= 0 || !live.has(pgid)) continue;
      try {
        process.kill(-pgid, sig);
      } catch {
        /* the group is gone */
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* it is gone */
      }
    }
  }

  private async gone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.running().length === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.running().length === 0;
  }
}
