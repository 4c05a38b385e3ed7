// A pane's scrollback: an immutable ring of lines kept in fixed-size chunks, so appending a
// line copies one small chunk (never the whole history), the oldest chunk is dropped past the
// cap, and any line is found in O(1) — a pane with 100,000 lines renders as fast as one with 10.

const CHUNK = 1024;

export interface LineRing {
  /** Full chunks and the last, partly filled one; every chunk but the last holds CHUNK lines. */
  readonly chunks: readonly (readonly string[])[];
  /** Lines dropped from the front so far (line numbers stay stable for search and scroll). */
  readonly dropped: number;
  /** The line still being written (no newline yet). */
  readonly open: string;
  readonly max: number;
}

export function emptyRing(max = 100_000): LineRing {
  return { chunks: [], dropped: 0, open: '', max: Math.max(CHUNK, max) };
}

/** Finished lines held (the open line not counted). */
export function ringSize(ring: LineRing): number {
  const n = ring.chunks.length;
  return n === 0 ? 0 : (n - 1) * CHUNK + (ring.chunks[n - 1]?.length ?? 0);
}

/** Lines to show: every finished line, plus the open one when it has text. */
export function ringLength(ring: LineRing): number {
  return ringSize(ring) + (ring.open === '' ? 0 : 1);
}

/** Line `i` (0 = oldest held), the open line last. */
export function ringLine(ring: LineRing, i: number): string {
  const size = ringSize(ring);
  if (i === size) return ring.open;
  if (i < 0 || i > size) return '';
  return ring.chunks[Math.floor(i / CHUNK)]?.[i % CHUNK] ?? '';
}

function pushLines(chunks: (readonly string[])[], lines: readonly string[]): void {
  let at = 0;
  while (at < lines.length) {
    const last = chunks[chunks.length - 1];
    if (last === undefined || last.length >= CHUNK) {
      const take = lines.slice(at, at + CHUNK);
      chunks.push(take);
      at += take.length;
    } else {
      const take = lines.slice(at, at + CHUNK - last.length);
      chunks[chunks.length - 1] = [...last, ...take];
      at += take.length;
    }
  }
}

/** Appends streamed text: complete lines join the ring, the rest stays open. */
export function appendText(ring: LineRing, text: string): LineRing {
  if (text === '') return ring;
  const parts = (ring.open + text).replace(/\r\n/g, '\n').split('\n');
  const open = parts.pop() ?? '';
  if (parts.length === 0) return { ...ring, open };
  const chunks = [...ring.chunks];
  pushLines(chunks, parts);
  let dropped = ring.dropped;
  // Whole chunks go first: never one line at a time, so the ring stays cheap to trim.
  while (chunks.length > 1 && (chunks.length - 1) * CHUNK >= ring.max) {
    chunks.shift();
    dropped += CHUNK;
  }
  return { chunks, dropped, open, max: ring.max };
}

/**
 * The nearest line at or before `from` (searching backwards) or after it (forwards) that
 * contains `query`, case-insensitively; null when there is none.
 */
export function findLine(ring: LineRing, query: string, from: number, direction: -1 | 1): number | null {
  const needle = query.toLowerCase();
  if (needle === '') return null;
  const n = ringLength(ring);
  for (let i = Math.min(n - 1, Math.max(0, from)); i >= 0 && i < n; i += direction) {
    if (ringLine(ring, i).toLowerCase().includes(needle)) return i;
  }
  return null;
}
