// How the rows of the terminal are shared out. The live region stays one row shorter than the
// terminal, so Ink never falls back to clearing the whole screen.

export interface Regions {
  width: number;
  feed: number;
  main: number;
  flash: boolean;
}

export function regions(size: { columns: number; rows: number }, wanted: { feed: number; flash: boolean; help: boolean }): Regions {
  const width = Math.max(1, size.columns - 1);
  const total = Math.max(2, size.rows - 1);
  const flash = wanted.flash && total >= 3;
  const free = Math.max(0, total - 2 - (flash ? 1 : 0)); // input line + status bar (+ flash)
  const feed = wanted.help ? 0 : Math.min(wanted.feed, 4, Math.floor(free / 4));
  return { width, feed, main: free - feed, flash };
}
