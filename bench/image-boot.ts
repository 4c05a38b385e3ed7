// The disk image's boot against plain Debian with systemd, both booted in this run under the
// same QEMU (`npm run bench:image`; minutes, root, and the images `npm run test:image` built:
// aios-node.qcow2 and debian/debian-plain.qcow2 from `build-image.sh --plain`, the same recipe,
// kernel, initramfs, disk layout and grub.cfg with systemd and without aiOS). Each image boots
// from a copy-on-write overlay of its own, alternately, AIOS_BENCH_IMAGE_BOOTS times (default 5).
// Each boot is timed from GRUB handing over to the kernel ("loading the kernel", the same line
// in both grub.cfg) to the login prompt on the serial console, then root logs in there and the
// time to what a person gets is taken: aiOS's TUI drawn and connected to aiosd, Debian's shell
// prompt. The boot then ends, alternately, cleanly (aiOS: QEMU's ACPI power button, which
// aios-init powers off on; Debian: `poweroff` typed at that root shell, since the plain image
// has no D-Bus, so no logind to act on the button) and by a power cut (QEMU killed), so the boots after the
// first are boots after a clean shutdown (what a person sees at a normal reboot) and boots after
// power loss (journal replay, aiosd's recovery), each reported as its own row. The first boot
// (aiOS applies its seed step and makes its host key then) is reported apart.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageOutDir } from '../iso/image-paths.js';
import { TEST_ACCOUNTS } from '../test/image/test-accounts.js';
import { bootUntil, kvmWorks, type NodeVm } from '../test/image/qemu-node.js';
import { fmt, median, type Row } from './stats.js';

export const IMAGE_BOOT_FIGURES = 'image-boot-figures.json';
const BOOT_TIMEOUT_MS = 15 * 60_000;
/** How long a clean power-off may take before QEMU is killed (and the boot after counted as after a cut). */
const POWEROFF_TIMEOUT_MS = 5 * 60_000;

type After = 'first' | 'clean' | 'cut';

interface Boot {
  after: After;
  /** GRUB hands over → login prompt. */
  prompt: number;
  /** GRUB hands over → TUI (aiOS) or shell prompt (Debian) after root's serial login. */
  ready: number;
  /** How this boot ended: the next boot's `after`. */
  ended: 'clean' | 'cut';
}

interface Subject {
  name: 'aios' | 'debian';
  disk: string;
  prompt: RegExp;
  /** After the password: what a person gets once logged in. */
  ready: RegExp;
  /** Asks for a clean power-off, from where the login left the console. */
  powerOff: (node: NodeVm) => Promise<void>;
  overlay: string;
  boots: Boot[];
}

/** Ends the boot: the ACPI power button and a wait for QEMU to exit, or a kill. */
async function end(s: Subject, node: NodeVm, how: 'clean' | 'cut'): Promise<'clean' | 'cut'> {
  if (how === 'clean') {
    await s.powerOff(node);
    const off = await Promise.race([
      node.exited.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), POWEROFF_TIMEOUT_MS).unref()),
    ]);
    if (off) return 'clean';
    process.stderr.write(
      'the node did not power off on the ACPI button: killed, the next boot counts as after a cut\n',
    );
  }
  node.kill();
  await node.exited;
  return 'cut';
}

async function bootOnce(s: Subject, work: string, accel: 'kvm' | 'tcg', n: number, after: After): Promise<Boot> {
  const { node } = await bootUntil(
    { disks: [{ file: s.overlay, format: 'qcow2' }], accel, workDir: work, name: `${s.name}-${n}` },
    s.prompt,
    BOOT_TIMEOUT_MS,
  );
  let ended: 'clean' | 'cut' = 'cut';
  try {
    const grub = await node.serial.waitForOutput(/loading the kernel/, 1000);
    const prompt = await node.serial.waitForOutput(s.prompt, 1000, grub.end);
    node.type('root\r');
    await node.serial.waitForOutput(/Password: /, 120_000, prompt.end);
    node.type(`${TEST_ACCOUNTS.root}\r`);
    const ready = await node.serial.waitForScreen(s.ready, 300_000);
    ended = await end(s, node, n % 2 === 1 ? 'clean' : 'cut');
    return { after, prompt: (prompt.at - grub.at) / 1000, ready: (ready - grub.at) / 1000, ended };
  } finally {
    if (ended === 'cut') {
      node.kill();
      await node.exited;
    }
  }
}

export async function imageBootBenchmark(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const out = imageOutDir();
  const subjects: Subject[] = [
    {
      name: 'aios',
      disk: join(out, 'aios-node.qcow2'),
      prompt: /\S+ login: /,
      // The TUI's status bar once it is connected: what the login lands in, ready for a goal.
      ready: /aiosd ok.*root \(admin\)/,
      powerOff: (node) => node.monitor('system_powerdown'),
      overlay: '',
      boots: [],
    },
    {
      name: 'debian',
      disk: join(out, 'debian', 'debian-plain.qcow2'),
      prompt: /debian login: /,
      ready: /root@debian:~# /,
      powerOff: (node) => {
        node.type('poweroff\r');
        return Promise.resolve();
      },
      overlay: '',
      boots: [],
    },
  ];
  const missing = subjects.filter((s) => !existsSync(s.disk)).map((s) => s.disk);
  if (missing.length > 0)
    throw new Error(`${missing.join(' and ')} missing: npm run test:image builds both (disk-image.image.ts)`);
  const boots = Math.max(3, Number(process.env['AIOS_BENCH_IMAGE_BOOTS'] ?? 5));
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
        const b = await bootOnce(s, work, accel, n, s.boots.at(-1)?.ended ?? 'first');
        s.boots.push(b);
        process.stderr.write(
          `${s.name} boot ${n} (after ${b.after}): ${fmt(b.prompt)} s to the login prompt, ${fmt(b.ready)} s to ${s.name === 'aios' ? 'the TUI' : 'the shell'}; ended ${b.ended}\n`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const [aios, debian] = subjects as [Subject, Subject];
  const figures = {
    accel,
    boots,
    aios: aios.boots,
    debian: debian.boots,
    load: [Math.min(...load), Math.max(...load)],
  };
  results['imageBoot'] = figures;
  writeFileSync(join(out, IMAGE_BOOT_FIGURES), JSON.stringify(figures, null, 2) + '\n');
  const A = accel.toUpperCase();
  const of = (s: Subject, after: After, k: 'prompt' | 'ready'): number[] =>
    s.boots.filter((b) => b.after === after).map((b) => b[k]);
  const row = (name: string, after: After, k: 'prompt' | 'ready', goal: string): void => {
    const a = of(aios, after, k);
    const d = of(debian, after, k);
    const list = (v: number[]): string => v.map((x) => fmt(x)).join(', ');
    rows.push({
      name: `disk image under QEMU ${A}: ${name}`,
      value: a.length === 0 ? 'none' : `${fmt(median(a))} s (${list(a)})`,
      baseline: `plain Debian with systemd, same run: ${d.length === 0 ? 'none' : `${fmt(median(d))} s (${list(d)})`}`,
      ratio: a.length === 0 || d.length === 0 ? '—' : `${fmt(median(a) / median(d), 2)}×`,
      goal,
    });
  };
  row('GRUB hands over → login prompt, boots after a clean shutdown (median)', 'clean', 'prompt', '≤ 1.3×');
  row('GRUB hands over → login prompt, boots after a power cut (median)', 'cut', 'prompt', '≤ 1.3×');
  row('GRUB hands over → login prompt, first boot', 'first', 'prompt', '—');
  row('GRUB → serial root login → TUI connected (Debian: shell prompt), after a clean shutdown', 'clean', 'ready', '—');
  row('GRUB → serial root login → TUI connected (Debian: shell prompt), after a power cut', 'cut', 'ready', '—');
  row('GRUB → serial root login → TUI connected (Debian: shell prompt), first boot', 'first', 'ready', '—');
}
