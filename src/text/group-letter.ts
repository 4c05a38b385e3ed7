// The name a fleet goal's plan group goes by, in the CLI and the TUI alike: plan A, B, …, Z, A1, ….
export const groupLetter = (i: number): string =>
  String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');
