// How the rows of the terminal are shared out. The live region stays one row shorter than the
// terminal, so Ink never falls back to clearing the whole screen.

export interface Regions {
  width: number;
  feed: number;
  main: number;
  flash: boolean;
  input: number;
}

export function regions(
  size: { columns: number; rows: number },
  wanted: { feed: number; flash: boolean; help: boolean; inputRows?: number },
): Regions {
  const width = Math.max(1, size.columns - 1);
  const total = Math.max(2, size.rows - 1);
  const flash = wanted.flash && total >= 3;
  // A multi-line input may take up to a third of the rows, never the last row for the view.
  const input = Math.max(1, Math.min(wanted.inputRows ?? 1, Math.floor(total / 3)));
  const free = Math.max(0, total - 1 - input - (flash ? 1 : 0)); // input line(s) + status bar (+ flash)
  const feed = wanted.help ? 0 : Math.min(wanted.feed, 4, Math.floor(free / 4));
  return { width, feed, main: free - feed, flash, input };
}
