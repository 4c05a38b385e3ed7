// Where `npm run test:image` keeps its image and the boot figures it measured, which
// `npm run bench` reports (AIOS_IMAGE_OUT moves it).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function imageOutDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['AIOS_IMAGE_OUT'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'aios-image', 'test-out');
}

export const BOOT_FIGURES = 'boot-figures.json';

/** The disk image's boot figures against plain Debian (test/image/disk-image.image.ts). */
export const DISK_FIGURES = 'disk-figures.json';
