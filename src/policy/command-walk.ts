// Finds every simple command a parsed script would run: at the top level, in pipelines and
// lists, inside compound commands, and inside every substitution wherever it stands (in
// arguments, assignments, redirection targets, here-documents, ${…} and $((…))).
import type { Command, Redirect, Script, SimpleCommand, Word } from './shell-ast.js';
import { subsOf } from './shell-reader.js';

export type CommandContext = 'command' | 'command substitution' | 'process substitution' | 'here-document';

export interface FoundCommand {
  cmd: SimpleCommand;
  context: CommandContext;
}

export function findCommands(script: Script, context: CommandContext = 'command'): FoundCommand[] {
  const out: FoundCommand[] = [];
  walkScript(script, context, out);
  return out;
}

function walkScript(script: Script, context: CommandContext, out: FoundCommand[]): void {
  for (const statement of script.statements) {
    for (const pipeline of statement.pipelines) {
      for (const cmd of pipeline.commands) walkCommand(cmd, context, out);
    }
  }
}

function walkCommand(cmd: Command, context: CommandContext, out: FoundCommand[]): void {
  if (cmd.kind === 'simple') {
    out.push({ cmd, context });
    for (const a of cmd.assigns) walkWord(a.value, out);
    for (const w of cmd.words) walkWord(w, out);
  } else {
    for (const body of cmd.bodies) walkScript(body, context, out);
    for (const w of cmd.words) walkWord(w, out);
  }
  for (const r of cmd.redirects) walkRedirect(r, out);
}

function walkRedirect(r: Redirect, out: FoundCommand[]): void {
  walkWord(r.target, out);
  for (const sub of r.heredoc?.subs ?? []) walkScript(sub, 'here-document', out);
}

function walkWord(word: Word, out: FoundCommand[]): void {
  for (const part of word.parts) {
    const context: CommandContext = part.type === 'procsub' ? 'process substitution' : 'command substitution';
    for (const sub of subsOf(part)) walkScript(sub, context, out);
  }
}

/** Every command of a script, compound ones and the commands inside them (not inside substitutions). */
function eachCommand(script: Script, visit: (c: Command) => void): void {
  for (const st of script.statements) {
    for (const p of st.pipelines) {
      for (const c of p.commands) {
        visit(c);
        if (c.kind === 'compound') for (const body of c.bodies) eachCommand(body, visit);
      }
    }
  }
}

/** Redirections of compound commands too: `{ …; } > /etc/x` writes /etc/x. */
export function allRedirects(script: Script): Redirect[] {
  const out: Redirect[] = [];
  eachCommand(script, (c) => out.push(...c.redirects));
  for (const found of findCommands(script)) {
    if (found.context !== 'command') out.push(...found.cmd.redirects);
  }
  return [...new Set(out)];
}

/** The words of every `for x in …` loop, nested ones and those inside substitutions included. */
export function loopWords(script: Script): Word[] {
  const out: Word[] = [];
  const visit = (s: Script): void =>
    eachCommand(s, (c) => {
      if (c.kind === 'compound' && c.type === 'for') out.push(...c.words);
    });
  visit(script);
  for (const found of findCommands(script)) {
    for (const w of [...found.cmd.words, ...found.cmd.assigns.map((a) => a.value)]) {
      for (const part of w.parts) for (const sub of subsOf(part)) visit(sub);
    }
  }
  return [...new Set(out)];
}
