// The shape of a parsed shell command, as far as policy needs it: every simple command, every
// word's parts (what is literal and what the shell would compute), and every nested script.

export type WordPart =
  /** Literal text. `quoted` when single-, double-, ANSI-C-quoted or backslash-escaped: no globbing, braces or tilde. */
  | { type: 'lit'; value: string; quoted: boolean }
  /** "…": quoted, but its parameters and substitutions are live. */
  | { type: 'dq'; parts: WordPart[] }
  /** $x, ${…}: a value only known when it runs. `subs` are the command substitutions inside. */
  | { type: 'param'; raw: string; subs: Script[] }
  /** $(…) or `…`. */
  | { type: 'cmdsub'; raw: string; script: Script }
  /** $((…)). */
  | { type: 'arith'; raw: string; subs: Script[] }
  /** <(…) or >(…). */
  | { type: 'procsub'; raw: string; script: Script };

export interface Word {
  parts: WordPart[];
  /** The word exactly as written. */
  raw: string;
  start: number;
  end: number;
}

export interface Heredoc {
  body: string;
  /** Substitutions in the body (none when the delimiter was quoted). */
  subs: Script[];
}

export interface Redirect {
  op: string;
  /** The file descriptor written before the operator ("2" in 2>), or null. */
  fd: string | null;
  target: Word;
  heredoc: Heredoc | null;
}

export interface Assignment {
  name: string;
  value: Word;
}

export interface SimpleCommand {
  kind: 'simple';
  assigns: Assignment[];
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
}

export interface CompoundCommand {
  kind: 'compound';
  type: 'subshell' | 'group' | 'if' | 'while' | 'until' | 'for';
  bodies: Script[];
  /** The words of `for x in …`. */
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
}

export type Command = SimpleCommand | CompoundCommand;

export interface Pipeline {
  negated: boolean;
  commands: Command[];
}

/** One statement: pipelines joined by && and ||, maybe sent to the background with &. */
export interface AndOr {
  pipelines: Pipeline[];
  ops: ('&&' | '||')[];
  background: boolean;
  start: number;
  end: number;
}

export interface Script {
  statements: AndOr[];
}

/** Bash is what runs parsed commands when installed; POSIX sh otherwise. */
export type ShellVariant = 'bash' | 'posix';
