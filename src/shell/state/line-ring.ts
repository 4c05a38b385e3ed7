// A pane's scrollback: an immutable ring of lines. The newest lines are plain strings; every
// full chunk of CHUNK lines older than them is sealed: joined and deflated into one Buffer
// (output lines repeat themselves, so 100,000 lines take about a megabyte, off the JS heap,
// instead of a hundred thousand string objects). Appending copies at most one small chunk,
// the oldest chunk is dropped past the cap, and a line is found in O(1): its chunk is inflated
// once and kept in a small cache, so a pane renders as fast with 100,000 lines as with 10.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const CHUNK = 1024;

/** CHUNK lines joined by '\n' and deflated. Lines never contain '\n' (they are split on it). */
interface Sealed {
  readonly packed: Buffer;
}

export interface LineRing {
  /** Full chunks, oldest first, each CHUNK lines. */
  readonly sealed: readonly Sealed[];
  /** The newest finished lines, fewer than CHUNK. */
  readonly tail: readonly string[];
  /** Lines dropped from the front so far (line numbers stay stable for search and scroll). */
  readonly dropped: number;
  /** The line still being written (no newline yet). */
  readonly open: string;
  readonly max: number;
}

export const DEFAULT_RING_LINES = 100_000;

export function emptyRing(max = DEFAULT_RING_LINES): LineRing {
  return { sealed: [], tail: [], dropped: 0, open: '', max: Math.max(CHUNK, max) };
}

/** Finished lines held (the open line not counted). */
export function ringSize(ring: LineRing): number {
  return ring.sealed.length * CHUNK + ring.tail.length;
}

/** Lines to show: every finished line, plus the open one when it has text. */
export function ringLength(ring: LineRing): number {
  return ringSize(ring) + (ring.open === '' ? 0 : 1);
}

function seal(lines: readonly string[]): Sealed {
  // Level 1: a sealed chunk costs well under a millisecond; the gain over level 6 is small here.
  return { packed: deflateRawSync(Buffer.from(lines.join('\n'), 'utf8'), { level: 1 }) };
}

/** The few chunks inflated last (the pane's visible rows, a search's neighbourhood). */
const inflated: { chunk: Sealed; text: string; lines: string[] | null }[] = [];
const CACHE = 4;

function unpack(chunk: Sealed): { text: string; lines: string[] | null } {
  const at = inflated.findIndex((e) => e.chunk === chunk);
  if (at !== -1) {
    const [hit] = inflated.splice(at, 1);
    if (hit !== undefined) {
      inflated.unshift(hit);
      return hit;
    }
  }
  const entry = { chunk, text: inflateRawSync(chunk.packed).toString('utf8'), lines: null };
  inflated.unshift(entry);
  if (inflated.length > CACHE) inflated.pop();
  return entry;
}

function chunkLines(chunk: Sealed): string[] {
  const entry = unpack(chunk) as { text: string; lines: string[] | null };
  entry.lines ??= entry.text.split('\n');
  return entry.lines;
}

/** Line `i` (0 = oldest held), the open line last. */
export function ringLine(ring: LineRing, i: number): string {
  const size = ringSize(ring);
  if (i === size) return ring.open;
  if (i < 0 || i > size) return '';
  const sealedLines = ring.sealed.length * CHUNK;
  if (i >= sealedLines) return ring.tail[i - sealedLines] ?? '';
  const chunk = ring.sealed[Math.floor(i / CHUNK)];
  return chunk === undefined ? '' : (chunkLines(chunk)[i % CHUNK] ?? '');
}

/** Appends streamed text: complete lines join the ring, the rest stays open. */
export function appendText(ring: LineRing, text: string): LineRing {
  if (text === '') return ring;
  const parts = (ring.open + text).replace(/\r\n/g, '\n').split('\n');
  const open = parts.pop() ?? '';
  if (parts.length === 0) return { ...ring, open };
  const sealed = [...ring.sealed];
  let tail = ring.tail;
  let at = 0;
  while (at < parts.length) {
    const take = parts.slice(at, at + CHUNK - tail.length);
    at += take.length;
    tail = tail.length === 0 ? take : [...tail, ...take];
    if (tail.length === CHUNK) {
      sealed.push(seal(tail));
      tail = [];
    }
  }
  let dropped = ring.dropped;
  // Whole chunks go first: never one line at a time, so the ring stays cheap to trim.
  while (sealed.length > 0 && sealed.length * CHUNK + tail.length > ring.max) {
    sealed.shift();
    dropped += CHUNK;
  }
  return { sealed, tail, dropped, open, max: ring.max };
}

/**
 * The nearest line at or before `from` (searching backwards) or after it (forwards) that
 * contains `query`, case-insensitively; null when there is none. A sealed chunk whose text
 * does not contain the query at all is passed over whole.
 */
export function findLine(ring: LineRing, query: string, from: number, direction: -1 | 1): number | null {
  const needle = query.toLowerCase();
  if (needle === '') return null;
  const n = ringLength(ring);
  const sealedLines = ring.sealed.length * CHUNK;
  let checked: Sealed | null = null;
  for (let i = Math.min(n - 1, Math.max(0, from)); i >= 0 && i < n; i += direction) {
    if (i < sealedLines) {
      const chunk = ring.sealed[Math.floor(i / CHUNK)];
      if (chunk !== undefined && chunk !== checked) {
        checked = chunk;
        if (!unpack(chunk).text.toLowerCase().includes(needle)) {
          // To the last line of the chunk in the direction of travel; the loop steps past it.
          i = direction === 1 ? Math.floor(i / CHUNK) * CHUNK + CHUNK - 1 : Math.floor(i / CHUNK) * CHUNK;
          continue;
        }
      }
    }
    if (ringLine(ring, i).toLowerCase().includes(needle)) return i;
  }
  return null;
}
