// Programs that only read, with the arguments under which that holds. A read-only line runs in
// the sandbox without a person (in normal mode), so each entry must hold for every spelling of
// an option the program accepts: clustered short options and abbreviated long ones included
// (option-scan.ts). Paranoid mode runs only these.
import { operandsOf, usesOption, type OptionNames } from './option-scan.js';

type ReadOnlyCheck = (args: readonly string[]) => boolean;

const noArgs: ReadOnlyCheck = (args) => args.length === 0;
const any: ReadOnlyCheck = () => true;
/** Read-only unless one of these options is used, however it is spelt. */
const without =
  (names: OptionNames): ReadOnlyCheck =>
  (args) =>
    !usesOption(args, names);
const firstIs =
  (re: RegExp): ReadOnlyCheck =>
  (args) =>
    args.length === 0 || re.test(args.find((a) => !a.startsWith('-')) ?? '');
const atMostOneOperand: ReadOnlyCheck = (args) => args.filter((a) => !a.startsWith('-')).length <= 1;

/** ip: a verb spelt out in full that only shows. `ip link s` is `set`, so abbreviations do not count. */
const IP_READ_VERBS = /^(show|sh|list|lst|ls|get|help|monitor|identify|pids)$/;
/** ip's global options that take a value. */
const IP_OPTS_WITH_VALUE =
  /^-{1,2}(f|fa|fam|fami|famil|family|n|ne|net|netn|netns|rc|rcv|rcvb|rcvbu|rcvbuf|l|lo|loo|loop|loops)$/;

function ipReadOnly(args: readonly string[]): boolean {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (!a.startsWith('-')) break;
    const name = a.replace(/^-+/, '');
    // -batch (ip takes any prefix: -b, -ba…) runs ip commands from a file: not known to only read.
    if (name !== '' && ('batch'.startsWith(name) || name === 'force')) return false;
    if (IP_OPTS_WITH_VALUE.test(a)) i += 1;
  }
  const object = args[i];
  const verb = args[i + 1];
  if (object === undefined) return true;
  if (/^mo/.test(object) && 'monitor'.startsWith(object)) return true;
  return verb === undefined || IP_READ_VERBS.test(verb);
}

/** apt-cache subcommands that only read (gencaches writes the caches); -o and -c change what it reads and writes. */
const APT_CACHE_READS =
  /^(show|showsrc|showpkg|search|policy|depends|rdepends|pkgnames|stats|dump|dumpavail|unmet|madison|dotty|xvcg)$/;

export const READ_ONLY_COMMANDS: Readonly<Record<string, ReadOnlyCheck>> = {
  ls: any,
  cat: any,
  head: any,
  tail: any,
  grep: any,
  egrep: any,
  fgrep: any,
  zgrep: any,
  wc: any,
  cut: any,
  tr: any,
  echo: any,
  pwd: any,
  // rg --pre runs a program on every file; sort --compress-program runs one too.
  rg: without({ long: ['pre', 'pre-glob'] }),
  sort: without({ short: 'o', long: ['output', 'compress-program'] }),
  uniq: atMostOneOperand,
  printf: without({ short: 'v' }),
  id: any,
  whoami: any,
  groups: any,
  hostname: noArgs,
  uname: any,
  uptime: any,
  date: without({ short: 's', long: ['set'] }),
  df: any,
  du: any,
  free: any,
  ps: any,
  pgrep: any,
  pidof: any,
  stat: any,
  which: any,
  true: any,
  false: any,
  // file -C compiles a magic file and writes it.
  file: without({ short: 'C', long: ['compile'] }),
  test: any,
  '[': any,
  printenv: any,
  env: noArgs,
  // ss -K kills sockets; -D writes raw socket information to a file.
  ss: without({ short: 'KD', long: ['kill', 'diag'] }),
  netstat: any,
  lsblk: any,
  lscpu: any,
  lsmod: any,
  lspci: any,
  lsusb: any,
  lsof: any,
  findmnt: any,
  mount: noArgs,
  nproc: any,
  seq: any,
  sleep: any,
  basename: any,
  dirname: any,
  tree: without({ short: 'o' }),
  realpath: any,
  readlink: any,
  diff: any,
  cmp: any,
  sha256sum: any,
  sha1sum: any,
  sha512sum: any,
  md5sum: any,
  cksum: any,
  b2sum: any,
  getent: any,
  last: any,
  w: any,
  who: any,
  lastlog: without({ short: 'CS', long: ['clear', 'set'] }),
  dmesg: without({ short: 'cCnDE', long: ['clear', 'read-clear', 'console-level', 'console-off', 'console-on'] }),
  journalctl: without({
    long: [
      'rotate',
      'vacuum-size',
      'vacuum-time',
      'vacuum-files',
      'flush',
      'sync',
      'relinquish-var',
      'smart-relinquish-var',
      'setup-keys',
      'update-catalog',
      'cursor-file',
    ],
  }),
  systemctl: firstIs(
    /^(status|show|list-units|list-unit-files|list-timers|list-sockets|is-active|is-enabled|is-failed|cat|list-dependencies)$/,
  ),
  dpkg: (args) =>
    args.length > 0 &&
    args.every(
      (a) =>
        !a.startsWith('-') ||
        /^(-l|-L|-s|-S|-p|--list|--listfiles|--status|--search|--print-avail|--get-selections|--print-architecture)$/.test(
          a,
        ),
    ),
  'dpkg-query': any,
  'apt-cache': (args) =>
    !usesOption(args, { short: 'oc', long: ['option', 'config-file'] }) &&
    APT_CACHE_READS.test(operandsOf(args)[0] ?? ''),
  apt: firstIs(/^(list|show|search|policy)$/),
  ip: ipReadOnly,
  find: (args) => !args.some((a) => /^-(exec|execdir|ok|okdir|delete|fprint|fprint0|fprintf|fls)$/.test(a)),
  timedatectl: firstIs(/^(status|show|list-timezones)$/),
  hostnamectl: firstIs(/^(status)$/),
  dig: any,
  host: any,
  nslookup: any,
  ping: any,
  traceroute: any,
  tracepath: any,
};
