// What the node has: CPUs, memory, disks, GPUs and network interfaces, read from /proc and
// /sys under a root prefix (tests point it at a fixture tree).
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

export interface Inventory {
  cpus: number;
  cpuModel: string;
  memTotalMb: number;
  memAvailableMb: number;
  disks: Array<{ name: string; sizeMb: number; removable: boolean }>;
  gpus: Array<{ card: string; vendor: string }>;
  nics: Array<{ name: string; state: string; mac: string }>;
  /** Free space where the state dir lives; null when it cannot be measured. */
  stateFreeMb: number | null;
}

const GPU_VENDORS: Record<string, string> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x1af4': 'virtio',
  '0x1234': 'QEMU',
  '0x15ad': 'VMware',
};

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function meminfoMb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m?.[1] === undefined ? 0 : Math.round(Number(m[1]) / 1024);
}

export function readInventory(root: string, stateDir: string): Inventory {
  const cpuinfo = read(join(root, 'proc/cpuinfo')) ?? '';
  const cpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const meminfo = read(join(root, 'proc/meminfo')) ?? '';

  const disks = list(join(root, 'sys/block'))
    .filter((name) => !/^(loop|ram|zram|dm-|md)/.test(name))
    .map((name) => {
      const sectors = Number((read(join(root, 'sys/block', name, 'size')) ?? '0').trim());
      return {
        name,
        sizeMb: Math.round((sectors * 512) / (1024 * 1024)),
        removable: (read(join(root, 'sys/block', name, 'removable')) ?? '0').trim() === '1',
      };
    });

  const gpus = list(join(root, 'sys/class/drm'))
    .filter((card) => /^card\d+$/.test(card))
    .map((card) => {
      const vendorId = (read(join(root, 'sys/class/drm', card, 'device/vendor')) ?? '').trim();
      return { card, vendor: GPU_VENDORS[vendorId] ?? (vendorId || 'unknown') };
    });
  if (gpus.length === 0 && existsSync(join(root, 'dev/nvidia0'))) gpus.push({ card: 'nvidia0', vendor: 'NVIDIA' });

  const nics = list(join(root, 'sys/class/net'))
    .filter((name) => name !== 'lo')
    .map((name) => ({
      name,
      state: (read(join(root, 'sys/class/net', name, 'operstate')) ?? 'unknown').trim(),
      mac: (read(join(root, 'sys/class/net', name, 'address')) ?? '').trim(),
    }));

  return {
    cpus,
    cpuModel,
    memTotalMb: meminfoMb(meminfo, 'MemTotal'),
    memAvailableMb: meminfoMb(meminfo, 'MemAvailable'),
    disks,
    gpus,
    nics,
    stateFreeMb: freeMb(stateDir),
  };
}

/** Free space on the filesystem holding `dir`, or the nearest existing parent. */
function freeMb(dir: string): number | null {
  let d = dir;
  for (let i = 0; i < 32; i++) {
    try {
      const s = statfsSync(d);
      return Math.round((s.bavail * s.bsize) / (1024 * 1024));
    } catch {
      const parent = join(d, '..');
      if (parent === d) return null;
      d = parent;
    }
  }
  return null;
}

export interface Minimums {
  cpus: number;
  memoryMb: number;
  stateFreeMb: number;
}

/** Each minimum the node misses, as a sentence that says which setting sets it. */
export function unmetMinimums(inv: Inventory, min: Minimums): string[] {
  const problems: string[] = [];
  if (inv.cpus < min.cpus) problems.push(`${inv.cpus} CPU(s), below the minimum of ${min.cpus} ([init] min_cpus)`);
  if (inv.memTotalMb < min.memoryMb)
    problems.push(`${inv.memTotalMb} MiB of memory, below the minimum of ${min.memoryMb} MiB ([init] min_memory_mb)`);
  if (inv.stateFreeMb !== null && inv.stateFreeMb < min.stateFreeMb) {
    problems.push(
      `${inv.stateFreeMb} MiB free for the state dir, below the minimum of ${min.stateFreeMb} MiB ([init] min_state_free_mb)`,
    );
  }
  return problems;
}

export function describeInventory(inv: Inventory): string[] {
  const disks =
    inv.disks.map((d) => `${d.name} ${formatMb(d.sizeMb)}${d.removable ? ' (removable)' : ''}`).join(', ') || 'none';
  return [
    `cpu: ${inv.cpus} × ${inv.cpuModel}`,
    `memory: ${formatMb(inv.memTotalMb)} (${formatMb(inv.memAvailableMb)} available)`,
    `disks: ${disks}${inv.stateFreeMb === null ? '' : `; ${formatMb(inv.stateFreeMb)} free for state`}`,
    `gpu: ${inv.gpus.map((g) => `${g.card} ${g.vendor}`).join(', ') || 'none'}`,
    `network: ${inv.nics.map((n) => `${n.name} ${n.state}`).join(', ') || 'none'}`,
  ];
}

function formatMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GiB` : `${mb} MiB`;
}
