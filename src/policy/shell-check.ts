// One verdict on whether a command line can be analysed at all: aiOS's parser must read it,
// find nothing it refuses, and agree with mvdan/sh on where every statement starts, for the
// line and for every piece of shell code inside it (bash -c '…', eval …).
import { Budget } from './budget.js';
import type { ShellVariant } from './shell-ast.js';
import { analyseShell, type ShellAnalysis } from './shell-analysis.js';
import type { MvdanParser } from './mvdan-check.js';
import { ShellSyntaxError } from './shell-reader.js';

export type ShellCheck = { ok: true; analysis: ShellAnalysis } | { ok: false; reason: string };

export const MAX_COMMAND_LENGTH = 16 * 1024;

export async function checkShellLine(
  text: string,
  variant: ShellVariant,
  mvdan: MvdanParser,
  budgetMs?: number,
): Promise<ShellCheck> {
  if (text.length > MAX_COMMAND_LENGTH)
    return { ok: false, reason: `the command is longer than ${MAX_COMMAND_LENGTH} characters` };
  let analysis: ShellAnalysis;
  try {
    analysis = analyseShell(text, variant, new Budget(budgetMs));
  } catch (err) {
    if (err instanceof ShellSyntaxError)
      return { ok: false, reason: `the command does not parse: ${err.message} (at character ${err.offset + 1})` };
    // Anything else (nesting deep enough to exhaust the stack, say): what cannot be analysed does not run.
    return {
      ok: false,
      reason: `the command could not be analysed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const second = await mvdan.parse(text, variant);
  if (!second.ok) return { ok: false, reason: `the shell parser rejects the command: ${second.reason}` };
  const theirs = second.statements.map((s) => s.start).join(',');
  const ours = analysis.statementStarts.join(',');
  if (theirs !== ours) {
    return {
      ok: false,
      reason: `two shell parsers disagree on where its commands start (${ours} vs ${theirs}); simplify the command`,
    };
  }
  for (const code of analysis.codeTexts) {
    const inner = await mvdan.parse(code, variant);
    if (!inner.ok)
      return {
        ok: false,
        reason: `the shell parser rejects the shell code ${JSON.stringify(code.slice(0, 80))}: ${inner.reason}`,
      };
  }
  return { ok: true, analysis };
}
