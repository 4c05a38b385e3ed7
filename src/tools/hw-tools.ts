// hw.*: the hardware as the kernel reports it: CPUs, block devices and GPUs (memory is
// memory.usage, also registered as hw.memory). Read from /proc and /sys; nvidia-smi adds
// live GPU figures where it is installed.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { basename } from 'node:path';
import { z } from 'zod';
import { formatBytes, formatTable } from './format.js';
import { runProgram } from './run-program.js';
import { defineTool, type Tool } from './tool.js';

const read = async (p: string): Promise<string | null> => (await readFile(p, 'utf8').catch(() => null))?.trim() ?? null;

export interface BlockDevice {
  name: string;
  sizeBytes: number;
  rotational: boolean;
  removable: boolean;
  model: string;
  partitions: string[];
}

export async function blockDevices(): Promise<BlockDevice[]> {
  const names = (await readdir('/sys/block').catch(() => [] as string[])).filter((n) => !/^(loop|ram|zram)\d/.test(n));
  return Promise.all(
    names.sort().map(async (name) => {
      const dir = `/sys/block/${name}`;
      const entries = await readdir(dir).catch(() => [] as string[]);
      return {
        name,
        sizeBytes: Number((await read(`${dir}/size`)) ?? 0) * 512,
        rotational: (await read(`${dir}/queue/rotational`)) === '1',
        removable: (await read(`${dir}/removable`)) === '1',
        model: (await read(`${dir}/device/model`)) ?? '',
        partitions: entries.filter((e) => e.startsWith(name)),
      };
    }),
  );
}

export interface Gpu {
  card: string;
  vendor: string;
  device: string;
  driver: string | null;
  detail: string | null;
}

const VENDORS: Record<string, string> = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x1af4': 'virtio',
  '0x1234': 'QEMU',
  '0x15ad': 'VMware',
};

export async function gpus(): Promise<Gpu[]> {
  const cards = (await readdir('/sys/class/drm').catch(() => [] as string[])).filter((n) => /^card\d+$/.test(n));
  const out: Gpu[] = await Promise.all(
    cards.map(async (card) => {
      const vendor = (await read(`/sys/class/drm/${card}/device/vendor`)) ?? '';
      const driver = await readlink(`/sys/class/drm/${card}/device/driver`).then(
        (l) => basename(l),
        () => null,
      );
      return {
        card,
        vendor: VENDORS[vendor] ?? vendor,
        device: (await read(`/sys/class/drm/${card}/device/device`)) ?? '',
        driver,
        detail: null,
      };
    }),
  );
  const smi = await runProgram(
    [
      'nvidia-smi',
      '--query-gpu=index,name,memory.total,memory.used,utilization.gpu,temperature.gpu',
      '--format=csv,noheader,nounits',
    ],
    { timeoutMs: 10_000, outputCapBytes: 64 * 1024 },
  );
  if (smi.started && smi.exitCode === 0) {
    for (const line of smi.stdout.split('\n').filter(Boolean)) {
      const [index, name, total, used, util, temp] = line.split(',').map((s) => s.trim());
      out.push({
        card: `nvidia${index ?? ''}`,
        vendor: 'NVIDIA',
        device: name ?? '',
        driver: 'nvidia',
        detail: `${used ?? '?'}/${total ?? '?'} MiB used, ${util ?? '?'}% busy, ${temp ?? '?'} °C`,
      });
    }
  }
  return out;
}

export function createHwTools(memoryTool: Tool): Tool[] {
  const cpu = defineTool({
    name: 'hw.cpu',
    description: 'CPU model, cores and threads, current clock and load averages.',
    schema: z.strictObject({}),
    capabilities: ['system.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: 'describe the CPUs' }),
    async execute() {
      const info = (await read('/proc/cpuinfo')) ?? '';
      const threads = cpus();
      const cores = new Set(
        info
          .split('\n\n')
          .map((b) => `${/physical id\s*:\s*(\d+)/.exec(b)?.[1] ?? '0'}/${/core id\s*:\s*(\d+)/.exec(b)?.[1] ?? b}`),
      ).size;
      const model = threads[0]?.model ?? /model name\s*:\s*(.*)/.exec(info)?.[1] ?? 'unknown';
      const [l1, l5, l15] = loadavg();
      const data = {
        model,
        threads: threads.length,
        cores,
        mhz: threads.map((c) => c.speed),
        load: { '1m': l1, '5m': l5, '15m': l15 },
      };
      return {
        ok: true,
        output: `${model}\n${cores} core(s), ${threads.length} thread(s)\nload: ${[l1, l5, l15].map((n) => (n ?? 0).toFixed(2)).join(' ')}`,
        data,
      };
    },
  });

  const disks = defineTool({
    name: 'hw.disks',
    description: 'Block devices: size, type (SSD or spinning), model, partitions (loop and RAM disks left out).',
    schema: z.strictObject({}),
    capabilities: ['system.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: 'list block devices' }),
    async execute() {
      const devices = await blockDevices();
      const output =
        devices.length === 0
          ? 'no block devices found'
          : formatTable(
              ['DEVICE', 'SIZE', 'TYPE', 'MODEL', 'PARTITIONS'],
              devices.map((d) => [
                d.name,
                formatBytes(d.sizeBytes),
                d.rotational ? 'disk' : d.removable ? 'removable' : 'ssd',
                d.model,
                d.partitions.join(' '),
              ]),
            );
      return { ok: true, output, data: { devices } };
    },
  });

  const gpu = defineTool({
    name: 'hw.gpus',
    description: 'GPUs: vendor, driver, and for NVIDIA cards (with nvidia-smi) memory, load and temperature.',
    schema: z.strictObject({}),
    capabilities: ['system.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: 'list GPUs' }),
    async execute() {
      const list = await gpus();
      const output =
        list.length === 0
          ? 'no GPUs found'
          : formatTable(
              ['CARD', 'VENDOR', 'DEVICE', 'DRIVER', 'STATE'],
              list.map((g) => [g.card, g.vendor, g.device, g.driver ?? '-', g.detail ?? '']),
            );
      return { ok: true, output, data: { gpus: list } };
    },
  });

  return [
    cpu,
    { ...memoryTool, name: 'hw.memory', description: `${memoryTool.description} Same as memory.usage.` },
    disks,
    gpu,
  ];
}
