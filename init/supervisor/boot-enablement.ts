// Which services aios-init starts at boot, as `service.enable` and `service.disable` left them:
// a small JSON file in the state directory (the live image's root is a RAM overlay; the state
// disk is what survives a reboot). It is read each time it is asked, so once the hardware
// phase mounts the state disk, the disk's file is the one that counts. Written atomically.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';

const EnablementFile = z.strictObject({
  version: z.literal(1),
  /** Only services someone enabled or disabled; the rest keep their default. */
  services: z.record(z.string(), z.boolean()),
});

export class BootEnablement {
  /** The last problem logged: a broken file is said once, not at every service it is asked about. */
  private lastProblem: string | null = null;

  constructor(
    readonly file: string,
    /** Whether a service starts at boot when nobody enabled or disabled it. */
    private readonly byDefault: (name: string) => boolean,
    private readonly log: (line: string) => void,
  ) {}

  enabled(name: string): boolean {
    return this.read()[name] ?? this.byDefault(name);
  }

  set(name: string, enabled: boolean): void {
    const services = { ...this.read(), [name]: enabled };
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, services }, null, 2)}\n`, { mode: 0o600 });
  }

  /** A missing file means every default; a broken one is logged and read as missing, never fatal to a boot. */
  private read(): Record<string, boolean> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.problem(`cannot read ${this.file}: ${(err as Error).message}; every service keeps its default`);
      return {};
    }
    try {
      const services = EnablementFile.parse(JSON.parse(text)).services;
      this.lastProblem = null;
      return services;
    } catch (err) {
      this.problem(
        `${this.file} is not a valid enablement file (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); every service keeps its default`,
      );
      return {};
    }
  }

  private problem(text: string): void {
    if (text !== this.lastProblem) this.log(text);
    this.lastProblem = text;
  }
}
