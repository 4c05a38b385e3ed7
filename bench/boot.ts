// Boot figures. Measured here in every run: `aios-init run` from exec to the autonomy phase
// complete, against aiosd alone from exec to its first answer (the ratio is what the boot
// phases and supervision add). Read from the last `npm run test:image`: kernel start → autonomy
// and → the first TUI frame on the serial console of the real image under QEMU, and its size.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTimeline } from '../src/files/boot-timeline-file.js';
import { BOOT_FIGURES, DISK_FIGURES, imageOutDir } from '../iso/image-paths.js';
import { LineClient } from './rpc.js';
import { fmt, median, type Row } from './stats.js';

async function timeUntil(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: () => Promise<boolean>,
): Promise<number> {
  const start = process.hrtime.bigint();
  const p = spawn(process.execPath, args, { env, stdio: 'ignore', cwd: root });
  try {
    for (let i = 0; i < 2000; i++) {
      if (await ready()) return Number(process.hrtime.bigint() - start) / 1e6;
      if (p.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${p.exitCode}`);
      await sleep(5);
    }
    throw new Error(`${args.join(' ')} was not ready within 10 s`);
  } finally {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
}

async function answers(socket: string): Promise<boolean> {
  try {
    (await LineClient.open(socket)).close();
    return true;
  } catch {
    return false;
  }
}

interface ImageFigures {
  accel?: string;
  kernelToAutonomyS?: number;
  kernelToLoginPromptS?: number;
  kernelToTuiS?: number;
  passwordToTuiS?: number;
  isoBytes?: number;
  buildSeconds?: number | null;
  testImageTotalS?: number;
}

export async function bootBenchmarks(
  root: string,
  rows: Row[],
  results: Record<string, unknown>,
  runs = 7,
): Promise<void> {
  const daemonMs: number[] = [];
  const initMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const which of ['daemon', 'init'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'aios-bench-boot-'));
      const stateDir = join(dir, 'state');
      const env = {
        ...process.env,
        AIOS_MODE: 'user',
        AIOS_STATE_DIR: stateDir,
        AIOS_CONFIG: join(dir, 'config.toml'),
        HOME: dir,
      };
      try {
        if (which === 'daemon')
          daemonMs.push(
            await timeUntil(root, [join(root, 'bin', 'aios.js'), 'daemon'], env, () =>
              answers(join(stateDir, 'aiosd.sock')),
            ),
          );
        else
          initMs.push(
            await timeUntil(root, [join(root, 'bin', 'aios-init.js'), 'run'], env, () =>
              Promise.resolve(readTimeline(stateDir)?.state === 'ready'),
            ),
          );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  results['boot'] = { daemonMs, initMs };
  rows.push({
    name: 'aios-init run: exec → autonomy phase complete (median ms)',
    value: fmt(median(initMs)),
    baseline: `aiosd alone, exec → answering: ${fmt(median(daemonMs))}`,
    ratio: `${fmt(median(initMs) / median(daemonMs), 2)}×`,
    goal: '—',
  });

  diskImageRows(rows, results);
  const file = join(imageOutDir(), BOOT_FIGURES);
  if (!existsSync(file)) {
    rows.push({
      name: 'node image: kernel start → autonomy',
      value: 'not measured',
      baseline: 'run npm run test:image first',
      ratio: '—',
      goal: '< 30 s (≤ 5 s with KVM)',
    });
    return;
  }
  const f = JSON.parse(readFileSync(file, 'utf8')) as ImageFigures;
  results['image'] = f;
  const accel = (f.accel ?? '?').toUpperCase();
  const s = (v: number | undefined | null): string => (v === undefined || v === null ? '—' : `${fmt(v, 1)} s`);
  rows.push({
    name: `node image under QEMU ${accel}: kernel start → autonomy phase complete`,
    value: s(f.kernelToAutonomyS),
    baseline: `→ login prompt: ${s(f.kernelToLoginPromptS)}`,
    ratio: '—',
    goal: '< 30 s; ≤ 5 s with KVM',
  });
  rows.push({
    name: `node image under QEMU ${accel}: kernel start → first TUI frame on the serial console`,
    value: s(f.kernelToTuiS),
    baseline: `password typed → TUI: ${s(f.passwordToTuiS)}`,
    ratio: '—',
    goal: '—',
  });
  rows.push({
    name: 'node image: ISO size (no models)',
    value: f.isoBytes === undefined ? '—' : `${fmt(f.isoBytes / 1048576, 0)} MiB`,
    baseline: `built in ${s(f.buildSeconds)}`,
    ratio: '—',
    goal: '≤ 400 MB',
  });
}

interface DiskFigures {
  accel?: string;
  firstBootGrubToLoginPromptS?: number;
  grubToLoginPromptS?: number;
  grubToTuiS?: number;
  debianGrubToLoginPromptS?: number;
}

/**
 * The disk image against plain Debian with systemd, built from the same recipe and booted in
 * the same `npm run test:image` run (test/image/disk-image.image.ts): from GRUB handing over to
 * the kernel, the same grub.cfg for both, to the login prompt and to the TUI's first frame.
 */
function diskImageRows(rows: Row[], results: Record<string, unknown>): void {
  const file = join(imageOutDir(), DISK_FIGURES);
  const f: DiskFigures = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DiskFigures) : {};
  results['diskImage'] = f;
  const accel = (f.accel ?? '?').toUpperCase();
  const s = (v: number | undefined): string => (v === undefined ? '—' : `${fmt(v, 1)} s`);
  const ratio = (v: number | undefined): string =>
    v === undefined || f.debianGrubToLoginPromptS === undefined ? '—' : `${fmt(v / f.debianGrubToLoginPromptS, 2)}×`;
  const debian = `plain Debian (systemd) → login prompt: ${s(f.debianGrubToLoginPromptS)}`;
  rows.push({
    name: `disk image under QEMU ${accel}: GRUB hands over → login prompt (first boot: ${s(f.firstBootGrubToLoginPromptS)})`,
    value: existsSync(file) ? s(f.grubToLoginPromptS) : 'not measured (run npm run test:image)',
    baseline: debian,
    ratio: ratio(f.grubToLoginPromptS),
    goal: '≤ 1.3×',
  });
  rows.push({
    name: `disk image under QEMU ${accel}: GRUB hands over → TUI ready after a serial login`,
    value: s(f.grubToTuiS),
    baseline: debian,
    ratio: ratio(f.grubToTuiS),
    goal: '—',
  });
}
