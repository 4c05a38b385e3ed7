// The ACPI power button (QEMU's system_powerdown, a server's front panel) reaches user space as
// a KEY_POWER press on an input device the kernel's button driver names "Power Button". The
// image has no acpid or logind, so aios-init, as init, reads that device itself and treats a
// press like `aios-init poweroff`: everything stopped in order, then the power off.
import { execFile } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';

const EV_KEY = 1;
const KEY_POWER = 116;
/** struct input_event on 64-bit Linux: struct timeval (16 bytes), u16 type, u16 code, s32 value. */
const EVENT_BYTES = 24;

/** /dev/input/eventN of every input device named "Power Button". */
export function findPowerButtons(sysRoot = '/sys', devRoot = '/dev'): string[] {
  const dir = join(sysRoot, 'class/input');
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /^event\d+$/.test(n))
      .sort();
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      try {
        return readFileSync(join(dir, n, 'device/name'), 'utf8').trim() === 'Power Button';
      } catch {
        return false;
      }
    })
    .map((n) => join(devRoot, 'input', n));
}

/** Splits a stream of input events; calls `onPress` for each KEY_POWER press (not the release). */
export function powerKeyDecoder(onPress: () => void): (chunk: Buffer) => void {
  let rest = Buffer.alloc(0);
  return (chunk) => {
    let buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    while (buf.length >= EVENT_BYTES) {
      if (buf.readUInt16LE(16) === EV_KEY && buf.readUInt16LE(18) === KEY_POWER && buf.readInt32LE(20) === 1) onPress();
      buf = buf.subarray(EVENT_BYTES);
    }
    rest = Buffer.from(buf);
  };
}

export interface PowerButtonOptions {
  onPress: () => void;
  log: (line: string) => void;
  signal: AbortSignal;
  /** How long to wait for udev to load the button and evdev drivers. */
  waitMs?: number;
  /** Load the drivers with modprobe (as init); tests point sysRoot at a fake tree instead. */
  loadDrivers?: boolean;
  sysRoot?: string;
  devRoot?: string;
}

/** Watches every power button once one appears; resolves with the devices watched (none: never found). */
export async function watchPowerButton(o: PowerButtonOptions): Promise<string[]> {
  // The drivers are modules in Debian's kernel; udev loads them in the background, and loading
  // them here only saves the wait.
  if (o.loadDrivers !== false)
    await new Promise<void>((resolve) => {
      execFile('modprobe', ['-q', '-a', 'button', 'evdev'], { timeout: 10_000 }, () => resolve());
    });
  const deadline = Date.now() + (o.waitMs ?? 120_000);
  let devices = findPowerButtons(o.sysRoot, o.devRoot);
  while (devices.length === 0 && Date.now() < deadline && !o.signal.aborted) {
    await new Promise((r) => setTimeout(r, 1000));
    devices = findPowerButtons(o.sysRoot, o.devRoot);
  }
  if (devices.length === 0) {
    if (!o.signal.aborted) o.log('power button: none found; the ACPI power button is ignored');
    return [];
  }
  const streams: ReadStream[] = devices.map((d) => {
    const s = createReadStream(d);
    const decode = powerKeyDecoder(o.onPress);
    s.on('data', (c) => decode(typeof c === 'string' ? Buffer.from(c) : c));
    s.on('error', (err) => o.log(`power button ${d}: ${err.message}`));
    return s;
  });
  o.signal.addEventListener(
    'abort',
    () => {
      for (const s of streams) s.destroy();
    },
    { once: true },
  );
  o.log(`power button: ${devices.join(', ')} (a press powers the node off in order)`);
  return devices;
}
