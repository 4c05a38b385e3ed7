// Parsers for the /proc files the system tools read. Pure functions over text, so each format
// is tested against real /proc output and against fixed lines.

export interface CpuTimes {
  idle: number;
  total: number;
}

/** /proc/stat: the aggregate `cpu` line first, then one per core. */
export function parseCpuTimes(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!/^cpu\d*\s/.test(line)) continue;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const total = fields.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    out.push({ idle: (fields[3] ?? 0) + (fields[4] ?? 0), total });
  }
  return out;
}

/** The busy share of the time between two readings, 0-100; null without two readings. */
export function busyPercent(a: CpuTimes | null | undefined, b: CpuTimes | undefined): number | null {
  if (a === null || a === undefined || b === undefined) return null;
  const total = b.total - a.total;
  return total <= 0 ? null : 100 * Math.max(0, Math.min(1, 1 - (b.idle - a.idle) / total));
}

/** /proc/net/dev: bytes received and sent, summed over every interface but loopback. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (m === null || m[1] === 'lo') continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return [a, b, c];
}

/** /proc/meminfo values, in bytes. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], Number(m[2]) * (line.endsWith('kB') ? 1024 : 1));
  }
  return out;
}

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** /proc/self/mounts escapes space, tab, newline and backslash as octal (\040). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype] = line.split(' ');
    if (device === undefined || mountpoint === undefined || fstype === undefined) continue;
    mounts.push({ device: unescapeMount(device), mountpoint: unescapeMount(mountpoint), fstype });
  }
  return mounts;
}

/** Kernel interfaces, not storage: nobody asks how full /proc is. */
export const PSEUDO_FILESYSTEMS: ReadonlySet<string> = new Set([
  'proc',
  'sysfs',
  'devpts',
  'devtmpfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'pstore',
  'bpf',
  'mqueue',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'efivarfs',
  'selinuxfs',
  'ramfs',
  'nfsd',
  'fuse.gvfsd-fuse',
  'fuse.portal',
]);

export type Protocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface Socket {
  protocol: Protocol;
  address: string;
  port: number;
  uid: number;
  inode: number;
}

/** TCP_LISTEN for TCP; for UDP, TCP_CLOSE is a bound, unconnected socket: one that receives. */
const LISTENING_STATE: Record<Protocol, string> = { tcp: '0A', tcp6: '0A', udp: '07', udp6: '07' };

/** The listening sockets in one of /proc/net/{tcp,tcp6,udp,udp6}. */
export function parseNetTable(text: string, protocol: Protocol): Socket[] {
  const sockets: Socket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const remote = f[2];
    if (local === undefined || remote === undefined || f[3] !== LISTENING_STATE[protocol]) continue;
    // A connected UDP socket has a remote port; it answers one peer and is not a listener.
    if (!/:0000$/.test(remote)) continue;
    const [hex, portHex] = local.split(':');
    if (hex === undefined || portHex === undefined) continue;
    sockets.push({
      protocol,
      address: decodeHexAddress(hex),
      port: parseInt(portHex, 16),
      uid: Number(f[7] ?? -1),
      inode: Number(f[9] ?? 0),
    });
  }
  return sockets;
}

/**
 * The kernel prints addresses as 32-bit words in host order (little-endian on the machines
 * we run on): 0100007F is 127.0.0.1. IPv6 is four such words.
 */
export function decodeHexAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(chunk.slice(i, i + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIpv6(bytes);
}

function formatIpv6(bytes: number[]): string {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run of two or more zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j += 1;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}

export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** When it started, in clock ticks after boot: with the pid, names one process (pids are reused). */
  startTime: number;
}

/** /proc/<pid>/stat; comm is in parentheses and may itself hold spaces and ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (rest[0] === undefined || Number.isNaN(utime) || Number.isNaN(stime)) return null;
  return {
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    cpuTicks: utime + stime,
    startTime: Number(rest[19]),
  };
}

/** uid → name from /etc/passwd text. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name !== undefined && uid !== undefined && name !== '' && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

/** gid → name from /etc/group text. */
export function parseGroups(text: string): Map<number, string> {
  return parsePasswd(text);
}
