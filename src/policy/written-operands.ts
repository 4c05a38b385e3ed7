// The files a program writes, read from its arguments: what policy checks against disk
// devices (cp /dev/zero /dev/vda, tee /dev/vda, dd of=…). Programs not listed here are not
// assumed to write any of their operands; a disk device they name needs an admin instead.
import { operandsOf, optionValues } from './option-scan.js';

type Writes = (args: readonly string[]) => string[];

const last: Writes = (args) =>
  operandsOf(args, { short: 'tSm', long: ['target-directory', 'suffix', 'mode', 'owner', 'group'] }).slice(-1);
const all: Writes = (args) => operandsOf(args, { short: 'sor', long: ['size', 'reference', 'output'] });
const option =
  (short: string, long: string[]): Writes =>
  (args) =>
    optionValues(args, { short, long });

const WRITES: Readonly<Record<string, Writes>> = {
  dd: (args) => args.filter((a) => a.startsWith('of=')).map((a) => a.slice(3)),
  cp: (args) => [...last(args), ...option('t', ['target-directory'])(args)],
  mv: (args) => [...last(args), ...option('t', ['target-directory'])(args)],
  install: (args) => [...last(args), ...option('t', ['target-directory'])(args)],
  ln: (args) => [...last(args), ...option('t', ['target-directory'])(args)],
  rsync: last,
  ddrescue: (args) => operandsOf(args).slice(1, 2),
  pv: option('o', ['output']),
  tee: all,
  sponge: all,
  truncate: all,
  shred: all,
  sort: option('o', ['output']),
  tree: option('o', []),
  curl: option('o', ['output']),
  wget: option('O', ['output-document']),
  socat: (args) =>
    args.flatMap((a) =>
      /^(OPEN|CREATE|GOPEN|FILE):/i.exec(a) === null ? [] : [a.replace(/^[^:]*:/, '').split(',')[0] ?? ''],
    ),
  badblocks: (args) => (args.some((a) => /^-[a-zA-Z]*w/.test(a)) ? operandsOf(args).slice(0, 1) : []),
  blkdiscard: all,
  wipefs: all,
  hdparm: (args) =>
    args.some((a) => /^--(security-erase|trim-sector|write-sector|fwdownload)/.test(a))
      ? operandsOf(args).slice(-1)
      : [],
};

/** The paths this program writes, as written in its arguments (absolute or not). */
export function writtenOperands(program: string, args: readonly string[]): string[] {
  return WRITES[program]?.(args).filter((p) => p !== '') ?? [];
}
