// The process table, read straight from /proc: no dependency on ps being installed.
import { readdir, readFile } from 'node:fs/promises';
import { parseMeminfo, parsePasswd, parseProcStat } from './procfs.js';

/** USER_HZ: the unit of /proc's CPU times, fixed at 100 by the kernel ABI on Linux. */
const TICKS_PER_SECOND = 100;

export interface ProcessInfo {
  pid: number;
  ppid: number;
  user: string;
  uid: number;
  state: string;
  rssBytes: number;
  /** Share of one CPU over the sampling interval, as top shows it (may exceed 100). */
  cpuPercent: number;
  memPercent: number;
  command: string;
}

interface Sample {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  state: string;
  cpuTicks: number;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    // The process exited between listing and reading: an ordinary race in /proc.
    return null;
  }
}

async function sampleAll(): Promise<Map<number, Sample>> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const samples = new Map<number, Sample>();
  await Promise.all(
    pids.map(async (pid) => {
      const text = await readOrNull(`/proc/${pid}/stat`);
      const stat = text === null ? null : parseProcStat(text);
      if (stat !== null) samples.set(pid, { pid, ...stat });
    }),
  );
  return samples;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Two samples `sampleMs` apart: CPU% is what each process used in between, the number an
 * admin asking "what is busy" means, rather than ps's average over the process's lifetime.
 */
export async function readProcesses(sampleMs: number, signal?: AbortSignal): Promise<ProcessInfo[]> {
  const began = performance.now();
  const first = await sampleAll();
  await sleep(sampleMs, signal);
  const second = await sampleAll();
  const seconds = Math.max((performance.now() - began) / 1000, 0.001);
  const memTotal = parseMeminfo(await readFile('/proc/meminfo', 'utf8')).get('MemTotal') ?? 0;
  const users = parsePasswd(await readFile('/etc/passwd', 'utf8').catch(() => ''));

  const out: ProcessInfo[] = [];
  await Promise.all(
    [...second.values()].map(async (s) => {
      const status = await readOrNull(`/proc/${s.pid}/status`);
      if (status === null) return;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      const rssBytes = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0) * 1024;
      const cmdline = (await readOrNull(`/proc/${s.pid}/cmdline`)) ?? '';
      const before = first.get(s.pid)?.cpuTicks ?? s.cpuTicks;
      out.push({
        pid: s.pid,
        ppid: s.ppid,
        uid,
        user: users.get(uid) ?? String(uid),
        state: s.state,
        rssBytes,
        cpuPercent: Math.round(((s.cpuTicks - before) / TICKS_PER_SECOND / seconds) * 1000) / 10,
        memPercent: memTotal > 0 ? Math.round((rssBytes / memTotal) * 1000) / 10 : 0,
        // Kernel threads have no command line; ps shows them as [name].
        command: cmdline === '' ? `[${s.comm}]` : cmdline.replace(/\0+$/, '').split('\0').join(' '),
      });
    }),
  );
  return out;
}
