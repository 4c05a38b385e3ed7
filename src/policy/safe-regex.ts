// Patterns from the configuration (dangerous_patterns, require_confirm) and the built-in rules,
// compiled with RE2 (re2js): matching takes time linear in the command's length whatever the
// pattern, so `(a+)+$` cannot stall the daemon. What RE2 cannot compile (lookaround,
// backreferences) is refused when the configuration is loaded, naming the pattern.
import { RE2JS, RE2JSException } from 're2js';

export interface SafeRegex {
  source: string;
  /** Whether the pattern matches anywhere in text (like RegExp.prototype.test). */
  test: (text: string) => boolean;
}

export type CompiledPattern = { ok: true; regex: SafeRegex } | { ok: false; reason: string };

/** What RE2 leaves out, said the way a person writing the pattern would look for it. */
function unsupported(source: string): string | null {
  if (/\(\?<?[=!]/.test(source))
    return 'lookaround ((?=…), (?!…), (?<=…), (?<!…)) is not supported by RE2; match what you mean directly, or use two patterns';
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(source) || /\\k</.test(source))
    return 'backreferences (\\1, \\k<name>) are not supported by RE2';
  return null;
}

/** Compiles a pattern with RE2, or says why it cannot be (the pattern named in the reason). */
export function compilePattern(source: string): CompiledPattern {
  const named = JSON.stringify(source);
  const missing = unsupported(source);
  if (missing !== null) return { ok: false, reason: `the pattern ${named} cannot be used: ${missing}` };
  try {
    const re = RE2JS.compile(source);
    return { ok: true, regex: { source, test: (text) => re.test(text) } };
  } catch (err) {
    const why = err instanceof RE2JSException ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return { ok: false, reason: `the pattern ${named} cannot be used: ${why} (patterns use RE2 syntax)` };
  }
}

/** Compiles a pattern that must compile (a built-in rule); a mistake in one is a bug. */
export function mustCompile(source: string): SafeRegex {
  const c = compilePattern(source);
  if (!c.ok) throw new Error(c.reason);
  return c.regex;
}
