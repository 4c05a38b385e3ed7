import { MAX_FRAME_BYTES } from './jsonrpc.js';

export type FrameEvent = { type: 'frame'; text: string } | { type: 'oversized'; limit: number };

/**
 * Splits a byte stream into newline-delimited frames. A frame that grows past the
 * limit is reported the moment it crosses it and then dropped as it arrives (never
 * buffered whole); the decoder resynchronises at the next newline, so one bad
 * client costs bounded memory and still gets a prompt error.
 */
export class LineDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.take(chunk.subarray(start, end))) out.push({ type: 'oversized', limit: this.maxBytes });
      if (nl === -1) break;
      const frame = this.finishFrame();
      if (frame !== null && frame.trim() !== '') out.push({ type: 'frame', text: frame });
      start = nl + 1;
    }
    return out;
  }

  /** Returns true when this piece pushed the frame over the limit. */
  private take(piece: Buffer): boolean {
    if (piece.length === 0 || this.discarding) return false;
    if (this.size + piece.length > this.maxBytes) {
      this.discarding = true;
      this.parts = [];
      this.size = 0;
      return true;
    }
    this.parts.push(Buffer.from(piece));
    this.size += piece.length;
    return false;
  }

  private finishFrame(): string | null {
    if (this.discarding) {
      this.discarding = false;
      return null;
    }
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    return text;
  }

  /** Bytes held for an unfinished frame. */
  get pending(): number {
    return this.size;
  }
}

export function encodeFrame(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
