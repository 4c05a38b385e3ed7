// Reads the member list of an uncompressed ustar archive without unpacking it: the update
// bundle is checked before anything in it is written anywhere, so its outer layer is parsed
// here rather than handed to tar.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface TarMember {
  name: string;
  /** Where its data starts in the file, and how long it is. */
  offset: number;
  bytes: number;
}

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** The regular files of the archive, in order; throws on anything that is not a plain ustar file list. */
export function tarMembers(file: string, maxMembers = 16): TarMember[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const members: TarMember[] = [];
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    while (at + BLOCK <= size) {
      if (readSync(fd, header, 0, BLOCK, at) !== BLOCK) throw new Error('the archive ends inside a header');
      if (header.every((b) => b === 0)) return members; // the end-of-archive blocks
      if (field(header, 257, 6) !== 'ustar') throw new Error(`not a ustar archive (header at byte ${at})`);
      const type = String.fromCharCode(header[156] ?? 0);
      const prefix = field(header, 345, 155);
      const name = (prefix === '' ? '' : `${prefix}/`) + field(header, 0, 100);
      const bytes = parseInt(field(header, 124, 12).trim() || '0', 8);
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`member ${name} has no readable size`);
      if (type !== '0' && type !== '\0') throw new Error(`member ${name} is not a regular file (type ${type})`);
      const offset = at + BLOCK;
      if (offset + bytes > size) throw new Error(`member ${name} runs past the end of the file (cut short?)`);
      members.push({ name, offset, bytes });
      if (members.length > maxMembers) throw new Error(`more than ${maxMembers} members`);
      at = offset + Math.ceil(bytes / BLOCK) * BLOCK;
    }
    throw new Error('the archive has no end-of-archive marker (cut short?)');
  } finally {
    closeSync(fd);
  }
}

export function readMember(file: string, m: TarMember): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(m.bytes);
    if (readSync(fd, buf, 0, m.bytes, m.offset) !== m.bytes) throw new Error(`cannot read ${m.name}`);
    return buf;
  } finally {
    closeSync(fd);
  }
}
