// Where the A/B update machinery finds its parts. The defaults are the disk image's layout;
// each can be moved by an environment variable (tests use a fake root): aios-init passes its
// environment on to aiosd, so both see the same.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const SLOTS = ['a', 'b'] as const;
export type Slot = (typeof SLOTS)[number];

export interface UpdateSettings {
  /** Holds a/ and b/ (each a whole aiOS tree) and update.json. */
  slotsDir: string;
  grubenv: string;
  grubEditenv: string;
  /** Trusted public keys of bundle signers. */
  keysDir: string;
  /** How long the new slot has, from aios-init's start, to pass its health check. */
  healthDeadlineS: number;
}

export function updateSettings(env: NodeJS.ProcessEnv): UpdateSettings {
  const deadline = Number(env['AIOS_UPDATE_HEALTH_S'] ?? '');
  return {
    slotsDir: env['AIOS_SLOTS_DIR'] || '/opt/aios/slots',
    grubenv: env['AIOS_GRUBENV'] || '/boot/grub/grubenv',
    grubEditenv: env['AIOS_GRUB_EDITENV'] || 'grub-editenv',
    keysDir: env['AIOS_UPDATE_KEYS'] || '/etc/aios/update-keys',
    healthDeadlineS: Number.isFinite(deadline) && deadline > 0 ? deadline : 300,
  };
}

export function otherSlot(s: Slot): Slot {
  return s === 'a' ? 'b' : 'a';
}

export function isSlot(s: string | undefined): s is Slot {
  return s === 'a' || s === 'b';
}

/**
 * The slot this aiOS booted from: AIOS_SLOT, else aios.slot= on the kernel's command line (GRUB
 * puts it there), else the slot whose tree holds this very code. null: not a slotted install.
 */
export function bootedSlot(env: NodeJS.ProcessEnv, slotsDir: string, codeDir: string): Slot | null {
  const named = env['AIOS_SLOT'];
  if (isSlot(named)) return named;
  try {
    const m = /(?:^|\s)aios\.slot=(\S+)/.exec(readFileSync('/proc/cmdline', 'utf8'));
    if (isSlot(m?.[1])) return m[1];
  } catch {
    /* no /proc */
  }
  const rel = relative(slotsDir, codeDir).split(sep)[0];
  return isSlot(rel) ? rel : null;
}

/** A slot holds a tree aios-init can start. */
export function slotHoldsTree(slotsDir: string, s: Slot): boolean {
  return existsSync(join(slotsDir, s, 'bin', 'aios-init.js')) && existsSync(join(slotsDir, s, 'dist', 'aios-init.js'));
}

/** The version and commit of the tree in a slot (its bundle manifest, else its package.json). */
export function slotVersion(slotsDir: string, s: Slot): { version: string; commit: string | null } | null {
  for (const [file, commitOf] of [
    ['aios-bundle.json', (j: Record<string, unknown>) => (typeof j['commit'] === 'string' ? j['commit'] : null)],
    ['package.json', () => null],
  ] as const) {
    try {
      const j = JSON.parse(readFileSync(join(slotsDir, s, file), 'utf8')) as Record<string, unknown>;
      if (typeof j['version'] === 'string') return { version: j['version'], commit: commitOf(j) };
    } catch {
      /* next */
    }
  }
  return null;
}
