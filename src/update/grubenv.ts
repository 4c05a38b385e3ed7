// GRUB's environment block (/boot/grub/grubenv), read and written only with grub-editenv: the
// file is a fixed 1024-byte block that GRUB itself rewrites in place (save_env), and GRUB's own
// tool keeps its format. aios_active is the slot that boots; aios_next, when set, the slot to
// try once (grub.cfg clears it before booting it).
import { execFileSync } from 'node:child_process';

export class GrubEnv {
  constructor(
    readonly file: string,
    private readonly tool = 'grub-editenv',
  ) {}

  private run(args: string[]): string {
    try {
      return execFileSync(this.tool, [this.file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error(`${this.tool} is not installed (Debian: grub-common)`);
      throw new Error(`${this.tool} ${this.file} ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
    }
  }

  read(): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const line of this.run(['list']).split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return vars;
  }

  set(vars: Record<string, string>): void {
    this.run(['set', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)]);
  }

  unset(...names: string[]): void {
    this.run(['unset', ...names]);
  }
}
