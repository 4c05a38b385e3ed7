// The disk image's boot against plain Debian with systemd, both booted in this run under the
// same QEMU (`npm run bench:image`; minutes, root, and the images `npm run test:image` built:
// aios-node.qcow2 and debian/debian-plain.qcow2 from `build-image.sh --plain`, the same recipe,
// kernel, initramfs, disk layout and grub.cfg with systemd and without aiOS). Each image boots
// from a copy-on-write overlay of its own, alternately, AIOS_BENCH_IMAGE_BOOTS times (default 3):
// the first boot (aiOS applies its seed step and makes its host key then) is reported apart, and
// the median of the later ones is the figure. Timed from GRUB handing over to the kernel
// ("loading the kernel", the same line in both grub.cfg) to the login prompt on the serial
// console; QEMU is then killed, for both alike.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageOutDir } from '../iso/image-paths.js';
import { bootUntil, kvmWorks } from '../test/image/qemu-node.js';
import { fmt, median, type Row } from './stats.js';

export const IMAGE_BOOT_FIGURES = 'image-boot-figures.json';
const BOOT_TIMEOUT_MS = 15 * 60_000;

interface Subject {
  name: 'aios' | 'debian';
  disk: string;
  prompt: RegExp;
  overlay: string;
  seconds: number[];
}

async function bootOnce(s: Subject, work: string, accel: 'kvm' | 'tcg', n: number): Promise<number> {
  const { node } = await bootUntil(
    { disks: [{ file: s.overlay, format: 'qcow2' }], accel, workDir: work, name: `${s.name}-${n}` },
    s.prompt,
    BOOT_TIMEOUT_MS,
  );
  try {
    const grub = await node.serial.waitForOutput(/loading the kernel/, 1000);
    const prompt = await node.serial.waitForOutput(s.prompt, 1000, grub.end);
    return (prompt.at - grub.at) / 1000;
  } finally {
    node.kill();
    await node.exited;
  }
}

export async function imageBootBenchmark(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const out = imageOutDir();
  const subjects: Subject[] = [
    { name: 'aios', disk: join(out, 'aios-node.qcow2'), prompt: /\S+ login: /, overlay: '', seconds: [] },
    {
      name: 'debian',
      disk: join(out, 'debian', 'debian-plain.qcow2'),
      prompt: /debian login: /,
      overlay: '',
      seconds: [],
    },
  ];
  const missing = subjects.filter((s) => !existsSync(s.disk)).map((s) => s.disk);
  if (missing.length > 0)
    throw new Error(`${missing.join(' and ')} missing: npm run test:image builds both (disk-image.image.ts)`);
  const boots = Math.max(2, Number(process.env['AIOS_BENCH_IMAGE_BOOTS'] ?? 3));
  const kernel = join(out, 'work', 'iso', 'live', 'vmlinuz');
  const accel = existsSync(kernel) && kvmWorks(kernel) ? 'kvm' : 'tcg';
  const work = mkdtempSync(join(tmpdir(), 'aios-bench-image-'));
  const load: number[] = [];
  try {
    for (const s of subjects) {
      s.overlay = join(work, `${s.name}.qcow2`);
      const r = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', s.disk, s.overlay]);
      if (r.status !== 0) throw new Error(`qemu-img create failed: ${r.stderr.toString()}`);
    }
    for (let n = 1; n <= boots; n++) {
      // Alternate which goes first, so a change in the machine's load falls on both alike.
      for (const s of n % 2 === 1 ? subjects : [...subjects].reverse()) {
        load.push(loadavg()[0] ?? 0);
        s.seconds.push(await bootOnce(s, work, accel, n));
        process.stderr.write(`${s.name} boot ${n}: ${fmt(s.seconds.at(-1) ?? NaN)} s to the login prompt\n`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const [aios, debian] = subjects as [Subject, Subject];
  const later = (s: Subject): number => median(s.seconds.slice(1));
  const figures = {
    accel,
    boots,
    aiosSeconds: aios.seconds,
    debianSeconds: debian.seconds,
    load: [Math.min(...load), Math.max(...load)],
  };
  results['imageBoot'] = figures;
  writeFileSync(join(out, IMAGE_BOOT_FIGURES), JSON.stringify(figures, null, 2) + '\n');
  const A = accel.toUpperCase();
  rows.push({
    name: `disk image under QEMU ${A}: GRUB hands over → login prompt, median of boots 2–${boots}`,
    value: `${fmt(later(aios))} s`,
    baseline: `plain Debian with systemd, same run: ${fmt(later(debian))} s`,
    ratio: `${fmt(later(aios) / later(debian), 2)}×`,
    goal: '≤ 1.3×',
  });
  rows.push({
    name: `disk image under QEMU ${A}: GRUB hands over → login prompt, first boot`,
    value: `${fmt(aios.seconds[0] ?? NaN)} s`,
    baseline: `plain Debian's first boot: ${fmt(debian.seconds[0] ?? NaN)} s`,
    ratio: `${fmt((aios.seconds[0] ?? NaN) / (debian.seconds[0] ?? NaN), 2)}×`,
    goal: '—',
  });
}
