// The first boot's seed, applied once: the outcome of the node's first boot is recorded on its
// persistent root, and from then on no seed volume is read. A volume labelled cidata plugged in
// later (a USB stick, by anyone with hands on the machine) could otherwise add an admin with
// its own key. An admin who wants a new seed applied removes the record.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';
import { applySeed, type ApplySeedOptions } from './apply-seed.js';
import { parseSeed, SeedError, type SeedFiles } from './seed-files.js';

export const SEED_RECORD = '/var/lib/aios-init/seed.json';

export interface SeedRecord {
  version: 1;
  firstBootAt: string;
  /** null: there was no seed volume at the first boot. */
  instanceId: string | null;
  device: string | null;
  applied: string[];
}

export interface FirstBootSeedOptions extends ApplySeedOptions {
  /** The seed volume's device, or null when there is none. */
  find: () => string | null;
  read: (device: string) => { files: SeedFiles; digest: string };
  now?: () => Date;
}

function readRecord(file: string): SeedRecord | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SeedRecord;
  } catch {
    return null;
  }
}

/** Lines for the boot's hardware phase: what the seed did, or why nothing was done. */
export function firstBootSeed(o: FirstBootSeedOptions): string[] {
  const file = join(o.root, SEED_RECORD);
  const record = readRecord(file);
  if (existsSync(file) && record !== null)
    return [
      `seed: applied at the first boot (${record.firstBootAt}${record.instanceId === null ? ', no seed volume' : `, instance ${record.instanceId}`}); not read again (remove ${SEED_RECORD} to apply a new one)`,
    ];
  const device = o.find();
  const write = (r: Omit<SeedRecord, 'version' | 'firstBootAt'>): void => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    const full: SeedRecord = { version: 1, firstBootAt: (o.now?.() ?? new Date()).toISOString(), ...r };
    // What the seed wrote (keys, hostname, config) reaches the disk before the record that says
    // it was applied, and the record itself is synced: ext4 writes new files' data back up to
    // 30 s later, and a power cut just after the first boot left them empty.
    spawnSync('sync', ['-f', dirname(file)], { stdio: 'ignore', timeout: 60_000 });
    writeFileAtomicSync(file, `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600 });
  };
  if (device === null) {
    write({ instanceId: null, device: null, applied: [] });
    return ['seed: none at the first boot (no volume labelled cidata)'];
  }
  try {
    const { files, digest } = o.read(device);
    const seed = parseSeed(files, digest);
    const applied = applySeed(seed, o);
    write({ instanceId: seed.instanceId, device, applied });
    return [
      `seed: ${device}, instance ${seed.instanceId}: ${applied.length === 0 ? 'nothing to apply' : applied.join('; ')}`,
      ...(files.userData ? ['seed: user-data is not read (aiOS reads aios.toml; see docs/init-and-image.md)'] : []),
    ];
  } catch (err) {
    // Not recorded: the next boot tries again, with the seed fixed.
    if (err instanceof SeedError) return [`seed: ${device} not applied, nothing was changed: ${err.message}`];
    const why = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    return [`seed: ${device} applied only in part, it stopped at: ${why}`];
  }
}
