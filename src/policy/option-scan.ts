// Whether a command line uses an option, read the way getopt_long reads it: single-letter
// options clustered (`sort -nro out`), long options abbreviated (`--out=x` is --output), and
// `--` ending the options. Where a cluster's letter is really another option's argument
// (`sort -to`), it still counts: reading too much as an option only makes policy stricter.

export interface OptionNames {
  /** Single-letter options, e.g. 'oC'. */
  short?: string;
  /** Long option names without the dashes, e.g. ['output']. */
  long?: readonly string[];
}

export function usesOption(args: readonly string[], names: OptionNames): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0] ?? '';
      // getopt_long takes any unambiguous prefix; an ambiguous one fails, so any prefix counts.
      if (name !== '' && names.long?.some((l) => l.startsWith(name)) === true) return true;
      continue;
    }
    if (/^-[^-]/.test(a) && [...a.slice(1)].some((c) => names.short?.includes(c) === true)) return true;
  }
  return false;
}

/** The operands: arguments that are not options (up to `--`, after which all are operands). */
export function operandsOf(args: readonly string[], withArgument: OptionNames = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') return [...out, ...args.slice(i + 1)];
    if (a.startsWith('--')) {
      if (!a.includes('=') && withArgument.long?.includes(a.slice(2)) === true) i += 1;
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      const letter = [...a.slice(1)].findIndex((c) => withArgument.short?.includes(c) === true);
      if (letter >= 0 && letter === a.length - 2) i += 1;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The values given to an option (`-o X`, `-oX`, `--output=X`, `--output X`). */
export function optionValues(args: readonly string[], names: OptionNames): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') break;
    if (a.startsWith('--')) {
      const [name = '', ...value] = a.slice(2).split('=');
      if (name === '' || names.long?.some((l) => l.startsWith(name)) !== true) continue;
      if (value.length > 0) out.push(value.join('='));
      else if (args[i + 1] !== undefined) {
        out.push(args[i + 1] ?? '');
        i += 1;
      }
      continue;
    }
    if (!/^-[^-]/.test(a)) continue;
    const at = [...a.slice(1)].findIndex((c) => names.short?.includes(c) === true);
    if (at < 0) continue;
    const attached = a.slice(at + 2);
    if (attached !== '') out.push(attached);
    else if (args[i + 1] !== undefined) {
      out.push(args[i + 1] ?? '');
      i += 1;
    }
  }
  return out;
}
