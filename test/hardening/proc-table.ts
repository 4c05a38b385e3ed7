// The live process table from /proc: who is whose child, and which session each is in, to
// prove that nothing a killed program started (or shared a terminal session with) survives.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcRow {
  pid: number;
  ppid: number;
  sid: number;
  comm: string;
}

/** One row per live process; a process that exits while being read is left out. */
export function procTable(): ProcRow[] {
  const rows: ProcRow[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // comm is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') continue; // already dead, waiting to be reaped
    rows.push({
      pid: Number(name),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      sid: Number(fields[3]),
    });
  }
  return rows;
}

/** Every live descendant of `pid`. */
export function descendants(pid: number, table: ProcRow[] = procTable()): ProcRow[] {
  const out: ProcRow[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of table) {
      if (parents.has(row.ppid) && !parents.has(row.pid)) {
        parents.add(row.pid);
        out.push(row);
        grew = true;
      }
    }
  }
  return out;
}

export const inSession = (sid: number): ProcRow[] => procTable().filter((r) => r.sid === sid);

export const isAlive = (pid: number): boolean => procTable().some((r) => r.pid === pid);
