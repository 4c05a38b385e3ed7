// Property tests of the protocol's front end: however bytes are split or mangled, the
// decoder yields exactly the frames that were sent, and never holds more than the limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/protocol/framing.js';

function feed(decoder: LineDecoder, data: Buffer, cuts: number[]): { frames: string[]; oversized: number } {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const frames: string[] = [];
  let oversized = 0;
  let last = 0;
  for (const p of [...points, data.length]) {
    for (const ev of decoder.push(data.subarray(last, p))) {
      if (ev.type === 'frame') frames.push(ev.text);
      else oversized++;
    }
    last = p;
  }
  return { frames, oversized };
}

describe('LineDecoder properties', () => {
  it('reassembles the same frames however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ unit: 'grapheme', maxLength: 200 })
            .map((s) => s.replace(/\n/g, ' '))
            .filter((s) => s.trim() !== ''),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (lines, cuts) => {
          const data = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
          const { frames, oversized } = feed(new LineDecoder(1 << 20), data, cuts);
          expect(oversized).toBe(0);
          expect(frames).toEqual(lines);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports each oversized frame once, keeps the good ones around it, and never buffers past the limit', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('big'),
            fc.string({ minLength: 1, maxLength: 50 }).map((s) => s.replace(/\n/g, '_')),
          ),
          { maxLength: 12 },
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        (kinds, cuts) => {
          const limit = 256;
          const lines = kinds.map((k) => (k === 'big' ? 'x'.repeat(limit + 1 + (cuts.length % 300)) : `ok-${k}`));
          const data = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
          const decoder = new LineDecoder(limit);
          const { frames, oversized } = feed(decoder, data, cuts);
          expect(oversized).toBe(kinds.filter((k) => k === 'big').length);
          expect(frames).toEqual(lines.filter((l) => l.startsWith('ok-')).filter((l) => l.trim() !== ''));
          expect(decoder.pending).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});
