// How the rows of the terminal are shared out. The live region stays one row shorter than the
// terminal, so Ink never falls back to clearing the whole screen.

export interface Regions {
  width: number;
  feed: number;
  main: number;
  flash: boolean;
  /** Rows the message takes: one, or a few for a question that says what it would do. */
  flashRows: number;
  input: number;
}

export function regions(
  size: { columns: number; rows: number },
  wanted: { feed: number; flash: boolean; help: boolean; inputRows?: number; flashRows?: number },
): Regions {
  const width = Math.max(1, size.columns - 1);
  const total = Math.max(2, size.rows - 1);
  const flash = wanted.flash && total >= 3;
  // A multi-line input may take up to a third of the rows, never the last row for the view.
  const input = Math.max(1, Math.min(wanted.inputRows ?? 1, Math.floor(total / 3)));
  // A long question may take up to a quarter of the rows; it is never cut below one.
  const flashRows = flash ? Math.max(1, Math.min(wanted.flashRows ?? 1, Math.floor(total / 4))) : 0;
  const free = Math.max(0, total - 1 - input - flashRows); // input line(s) + status bar (+ message)
  const feed = wanted.help ? 0 : Math.min(wanted.feed, 4, Math.floor(free / 4));
  return { width, feed, main: free - feed, flash, flashRows, input };
}
