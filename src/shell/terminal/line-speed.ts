// How fast the terminal's line is. Only a real serial device has a meaningful speed (a
// pseudo-terminal reports 38400 whatever the link behind it); for one, `stty speed` on our own
// standard input says it. AIOS_LINE_SPEED (baud) overrides, for lines stty cannot see.
import { execFile } from 'node:child_process';
import { readlink } from 'node:fs/promises';

const SERIAL_DEVICE = /^\/dev\/(ttyS|ttyUSB|ttyACM|ttyAMA|ttymxc|ttyO|ttySAC|hvc|ttyGS)\d+$/;

export function isSerialDevice(path: string): boolean {
  return SERIAL_DEVICE.test(path);
}

/** The serial line's speed in baud, or null (not a serial device, or unknown). */
export async function detectSerialBaud(): Promise<number | null> {
  let device: string;
  try {
    device = await readlink('/proc/self/fd/0');
  } catch {
    return null;
  }
  if (!isSerialDevice(device)) return null;
  return new Promise((resolve) => {
    // Named with -F, so stty need not share our standard input (still in raw mode, still ours).
    const child = execFile('stty', ['-F', device, 'speed'], { timeout: 2000 }, (error, stdout) => {
      const baud = Number(String(stdout).trim());
      resolve(error === null && Number.isFinite(baud) && baud > 0 ? baud : null);
    });
    child.on('error', () => resolve(null));
  });
}
