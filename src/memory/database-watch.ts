// Whether the database file aiosd opened is still the one at its path. Deleted (rm aios.db*)
// or replaced under a running daemon, SQLite goes on writing to the unlinked inode: goals and
// audit entries would vanish at the next start. Compared by device and inode, on a timer and
// before each audit commit; once it differs it stays so, since only a restart opens the new file.
import { statSync } from 'node:fs';

export class DatabaseWatch {
  private readonly dev: number;
  private readonly ino: number;
  private gone: string | null = null;

  /** Call right after opening the database, so that what is recorded is the file it opened. */
  constructor(
    readonly path: string,
    private readonly onChange: (problem: string) => void = () => {},
  ) {
    const s = statSync(path);
    this.dev = s.dev;
    this.ino = s.ino;
  }

  /** Null while the path is still the open file; otherwise what happened and what to do. */
  problem(): string | null {
    if (this.gone !== null) return this.gone;
    let now: { dev: number; ino: number } | null = null;
    try {
      now = statSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null; // unreadable for a moment is not gone
    }
    if (now !== null && now.dev === this.dev && now.ino === this.ino) return null;
    const what = now === null ? 'was deleted' : 'was replaced by another file';
    this.gone = `the database ${this.path} ${what} while aiosd ran: nothing written now would survive a restart, so changes are refused; restore the file from a backup or restart aiosd to start a new one`;
    this.onChange(this.gone);
    return this.gone;
  }

  /** Throws while the database is gone: a commit there would be lost. */
  assertSame(): void {
    const p = this.problem();
    if (p !== null) throw new Error(p);
  }
}
