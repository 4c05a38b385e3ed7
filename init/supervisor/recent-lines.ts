// The last lines about one service that the supervisor keeps in memory for `service.status`:
// its own notes (started, exited, restarting) and, where it pipes them, the service's output.
// Bounded: a chatty service costs at most `max` lines of at most `maxChars` each.

export class RecentLines {
  private readonly lines: string[] = [];
  /** An unfinished last line of piped output. */
  private partial = '';

  constructor(
    private readonly max = 50,
    private readonly maxChars = 500,
  ) {}

  add(line: string): void {
    this.lines.push(line.length > this.maxChars ? `${line.slice(0, this.maxChars)}…` : line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** Output as it arrives, split into lines; a trailing piece waits for its newline. */
  addOutput(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(-this.maxChars);
    for (const p of parts) if (p.trim() !== '') this.add(p.replace(/\r$/, ''));
  }

  all(): string[] {
    return this.partial.trim() === '' ? [...this.lines] : [...this.lines, this.partial];
  }
}
