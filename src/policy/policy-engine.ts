// The one place that decides whether a step may run, and on what terms: refused, allowed, or
// allowed only with an explicit confirmation and/or an admin's approval. It applies the rules
// in policy-rules.ts to what the tool declares (capabilities, paths, states, programs, shell
// text, hazards) and to the security mode. The goal engine asks at plan time and at approval;
// the step runner asks again right before the tool runs.
import type { SecurityMode } from '../protocol/vocabulary.js';
import type { Tier } from '../protocol/model.js';
import type { Capability, PathUse, Tool } from '../tools/tool.js';
import { hostShell } from './host-shell.js';
import { MvdanParser } from './mvdan-check.js';
import { expandGlob, globMayName } from './glob-expand.js';
import { canonicalPath, pathTextProblem, PROTECTED_FILE_NAMES, type ProtectedPaths } from './path-guard.js';
import {
  BUILTIN_CONFIRM,
  BUILTIN_DANGEROUS,
  DANGEROUS_VARIABLES,
  HARMLESS_TARGETS,
  MODEL_WRITTEN_TIERS,
  MODES,
  READ_ONLY_COMMANDS,
  type ModeRules,
  type PatternRule,
} from './policy-rules.js';
import { realpathSync } from 'node:fs';
import { Budget, PolicyBudgetExceeded } from './budget.js';
import { commandDevices, DEVICE_METADATA_PROGRAMS, redirectDevices, type DeviceFinding } from './device-use.js';
import { firewallUse } from './firewall-programs.js';
import { compilePattern, mustCompile, type SafeRegex } from './safe-regex.js';
import type { AnalysedCommand } from './shell-analysis.js';
import { checkShellLine } from './shell-check.js';

export interface PolicyVerdict {
  decision: 'allow' | 'confirm' | 'deny';
  /** Why it is refused (deny), or why it needs an explicit confirmation (confirm). */
  reasons: string[];
  /** Why only an admin may approve it; empty when any approver may. */
  adminReasons: string[];
  /** May run without a person: it only reads, and the mode lets reads run on their own. */
  autoApprove: boolean;
  /** The canonical paths it reads and writes, as checked now. */
  paths: PathUse[];
  /** Every simple command a shell line or program list would run, normalised. */
  commands: string[];
  /** A shell line whose every command only reads: it runs inside the sandbox. */
  readOnlyShell?: boolean;
  /** A command that would run in the sandbox, but the sandbox cannot start: never run without a person. */
  unsandboxed?: boolean;
}

export interface PolicyInput {
  tool: Tool;
  /** Arguments as parsed by the tool's schema. */
  args: unknown;
  agent: string;
  tier: Tier;
}

export interface PolicyConfig {
  mode: () => SecurityMode;
  /** From [security] dangerous_patterns: refused in every mode. */
  dangerousPatterns: readonly string[];
  /** From [security] require_confirm: need an explicit confirmation. */
  requireConfirm: readonly string[];
  protectedPaths: ProtectedPaths;
  capabilitiesOf: (agent: string) => readonly Capability[] | undefined;
  /** False where the sandbox cannot start: commands that would have run in it get the stricter terms. */
  sandboxed?: () => boolean;
  /** How long judging one call may take (ms; default POLICY_BUDGET_MS). */
  budgetMs?: number;
}

/** Why a read-only command line needs an admin's explicit confirmation where the sandbox cannot start. */
export const UNSANDBOXED =
  "runs UNSANDBOXED (the sandbox cannot start on this node), with the daemon's full privileges";

/** Why a writing command line needs an admin's explicit confirmation where the sandbox cannot start. */
export const UNCONFINED_WRITES =
  'runs UNSANDBOXED (the sandbox cannot start on this node): what it changes outside the files it declares writable will not be rolled back';

interface CompiledRule {
  re: SafeRegex;
  why: string;
  /** Tied to where the text starts (^, \\A): it must also see each inner command on its own. */
  anchored: boolean;
}

const anchored = (source: string): boolean => source.includes('^') || source.includes('\\A');
const compile = (rules: readonly PatternRule[]): CompiledRule[] =>
  rules.map((r) => ({ re: mustCompile(r.pattern), why: r.why, anchored: anchored(r.pattern) }));
/** Configured patterns are RE2; one that does not compile is refused here too, not only at config load. */
const userRules = (patterns: readonly string[], why: string): CompiledRule[] =>
  patterns.map((p) => {
    const c = compilePattern(p);
    if (!c.ok) throw new Error(c.reason);
    return { re: c.regex, why: `${why} (${p})`, anchored: anchored(p) };
  });

/** Collects what one evaluation finds; the verdict follows from it. */
class Findings {
  readonly deny: string[] = [];
  readonly confirm: string[] = [];
  readonly admin: string[] = [];
  readonly paths: PathUse[] = [];
  readonly commands: string[] = [];
  readOnlyShell = true;

  add(level: 'deny' | 'confirm' | 'admin', why: string): void {
    const list = level === 'deny' ? this.deny : level === 'confirm' ? this.confirm : this.admin;
    if (!list.includes(why)) list.push(why);
  }
}

export class PolicyEngine {
  private readonly dangerous: CompiledRule[];
  private readonly confirmRules: CompiledRule[];

  constructor(
    private readonly config: PolicyConfig,
    private readonly mvdan = new MvdanParser(),
  ) {
    this.dangerous = [
      ...compile(BUILTIN_DANGEROUS),
      ...userRules(config.dangerousPatterns, 'matches a dangerous pattern from the configuration'),
    ];
    this.confirmRules = [
      ...compile(BUILTIN_CONFIRM),
      ...userRules(config.requireConfirm, 'matches require_confirm in the configuration'),
    ];
  }

  get mode(): SecurityMode {
    return this.config.mode();
  }

  async close(): Promise<void> {
    await this.mvdan.close();
  }

  async evaluate(input: PolicyInput): Promise<PolicyVerdict> {
    try {
      return await this.judge(input);
    } catch (err) {
      if (!(err instanceof PolicyBudgetExceeded)) throw err;
      return {
        decision: 'deny',
        reasons: [err.message],
        adminReasons: [],
        autoApprove: false,
        paths: [],
        commands: [],
      };
    }
  }

  private async judge(input: PolicyInput): Promise<PolicyVerdict> {
    const { tool, args, tier } = input;
    const rules = MODES[this.mode];
    const f = new Findings();
    this.capabilities(input, f);
    for (const h of tool.hazards?.(args) ?? []) f.add(h.level, `${tool.name}: ${h.why}`);
    const toolDenied = rules.deniedTools[tool.name];
    if (toolDenied !== undefined) f.add('deny', `${tool.name}: ${toolDenied}`);
    for (const use of tool.paths?.(args) ?? []) this.path(use, tier, f);
    for (const argv of tool.commandLines?.(args) ?? [])
      this.programArgv(argv, rules, f, new Budget(this.config.budgetMs));
    const shell = tool.shellCommand?.(args);
    if (shell !== undefined) await this.shell(shell, tier, rules, f);

    const readOnly = !tool.mutates || (shell !== undefined && f.readOnlyShell);
    // No sandbox: the stricter policy, never silence. What would have run confined needs an admin who confirms it.
    const unsandboxed = shell !== undefined && f.readOnlyShell && this.config.sandboxed?.() === false;
    if (unsandboxed) {
      f.add('confirm', `${tool.name}: ${UNSANDBOXED}`);
      f.add('admin', UNSANDBOXED);
    }
    // A writing command is confined to its declared files only inside the sandbox: without it, a rollback covers those and nothing else.
    if (shell !== undefined && !f.readOnlyShell && tool.mutates && this.config.sandboxed?.() === false) {
      const declared = f.paths.filter((p) => p.access === 'write').map((p) => p.path);
      f.add('confirm', `${tool.name}: ${UNCONFINED_WRITES} (declared: ${declared.join(', ') || 'none'})`);
      f.add('admin', UNCONFINED_WRITES);
    }
    if (tool.mutates && !tool.reversible && !readOnly && rules.confirmIrreversible) {
      f.add('confirm', `${tool.name} cannot be undone by a snapshot`);
    }
    if (tool.mutates && rules.confirmEveryChange) f.add('confirm', `${this.mode} mode confirms every change`);
    else if (shell !== undefined && rules.confirmShell) f.add('confirm', `${this.mode} mode confirms every command`);
    const decision = f.deny.length > 0 ? 'deny' : f.confirm.length > 0 ? 'confirm' : 'allow';
    return {
      decision,
      reasons: decision === 'deny' ? f.deny : f.confirm,
      adminReasons: f.admin,
      autoApprove: decision === 'allow' && f.admin.length === 0 && !tool.mutates && rules.autoApproveReads,
      paths: f.paths,
      commands: f.commands,
      readOnlyShell: shell !== undefined && f.readOnlyShell,
      ...(unsandboxed ? { unsandboxed } : {}),
    };
  }

  private capabilities(input: PolicyInput, f: Findings): void {
    const granted = this.config.capabilitiesOf(input.agent);
    if (granted === undefined) {
      f.add('deny', `unknown agent "${input.agent}"`);
      return;
    }
    const missing = input.tool.capabilities.filter((c) => !granted.includes(c));
    if (missing.length > 0)
      f.add('deny', `agent ${input.agent} lacks ${missing.join(', ')} needed by ${input.tool.name}`);
  }

  private path(use: PathUse, tier: Tier, f: Findings): void {
    const problem = pathTextProblem(use.path);
    if (problem !== null) {
      f.add('deny', `the path ${JSON.stringify(use.path)} ${problem}`);
      return;
    }
    let canonical = canonicalPath(use.path).canonical;
    // A read follows links to the end; judge where it ends up.
    if (use.access === 'read') {
      try {
        canonical = realpathSync.native(use.path);
      } catch {
        /* does not exist yet: the parent's realpath stands */
      }
    }
    f.paths.push({ path: canonical, access: use.access, ...(use.tree === true ? { tree: true as const } : {}) });
    const pp = this.config.protectedPaths;
    // A directory writable whole is a change to everything protected inside it.
    const hit =
      use.tree === true
        ? (pp.matchWithin(canonical) ?? pp.matchWithin(use.path))
        : (pp.match(canonical) ?? pp.match(use.path));
    if (hit === null) return;
    if (use.access === 'write' || hit.secret)
      f.add('admin', `${use.access === 'write' ? 'changes' : 'reads'} ${hit.what} (${hit.path})`);
    if (use.access === 'write' && MODEL_WRITTEN_TIERS.has(tier))
      f.add('confirm', `a model's plan changes ${hit.what} (${hit.path})`);
  }

  /** A fixed argv a tool runs (apt-get, systemctl): the same command rules as any shell command. */
  private programArgv(argv: readonly string[], rules: ModeRules, f: Findings, budget: Budget): void {
    const text = argv.join(' ');
    f.commands.push(text);
    this.match(this.dangerous, text, budget, (why) => f.add('deny', `${why}: ${text}`));
    if (rules.requireConfirm) this.match(this.confirmRules, text, budget, (why) => f.add('confirm', `${why}: ${text}`));
  }

  /** Each rule that matches text, within the evaluation's budget (RE2 keeps each match linear). */
  private match(rules: readonly CompiledRule[], text: string, budget: Budget, hit: (why: string) => void): void {
    for (const r of rules) {
      budget.check();
      if (r.re.test(text)) hit(r.why);
    }
  }

  private async shell(command: string, tier: Tier, rules: ModeRules, f: Findings): Promise<void> {
    const check = await checkShellLine(command, hostShell().variant, this.mvdan, this.config.budgetMs);
    if (!check.ok) {
      f.add('deny', check.reason);
      f.readOnlyShell = false;
      return;
    }
    // The parse was awaited: judging what it found is one synchronous stretch with its own budget.
    const budget = new Budget(this.config.budgetMs);
    const a = check.analysis;
    for (const problem of a.problems) f.add('deny', problem);
    if (a.problems.length > 0) f.readOnlyShell = false;
    for (const name of a.assignments) {
      if (DANGEROUS_VARIABLES.test(name))
        f.add('deny', `setting ${name} changes which program runs or what runs with it`);
    }
    for (const cmd of a.commands) this.command(cmd, tier, rules, f, budget);
    for (const item of a.loopItems) {
      budget.check();
      this.protectedWord(item, tier, f);
    }
    for (const r of a.redirects) {
      budget.check();
      if (HARMLESS_TARGETS.has(r.target)) continue;
      if (r.static) this.devices(redirectDevices(r.op, r.target, r.writes), f);
      if (!r.writes) {
        // `cat < /etc/shad*`: bash expands a redirection's glob too.
        for (const target of [r.target, ...(/[*?[]/.test(r.target) ? expandGlob(r.target) : [])])
          this.protectedWord(target, tier, f);
        continue;
      }
      f.readOnlyShell = false;
      if (!r.static)
        f.add(rules.readOnlyShell ? 'deny' : 'confirm', `writes to a file named at run time: ${r.op} ${r.target}`);
      else if (rules.readOnlyShell)
        f.add('deny', `${this.mode} mode allows no writing redirections (${r.op} ${r.target})`);
      this.protectedWord(r.target, tier, f);
    }
  }

  private command(cmd: AnalysedCommand, tier: Tier, rules: ModeRules, f: Findings, budget: Budget): void {
    f.commands.push(cmd.via.length === 0 ? cmd.text : `${cmd.text}   (via ${cmd.via.join(', ')})`);
    for (const text of cmd.dangerTexts)
      this.match(this.dangerous, text, budget, (why) => f.add('deny', `${why}: ${text}`));
    // An unanchored pattern that matches an inner command matches the whole text it is part of.
    const anchoredRules = this.dangerous.filter((r) => r.anchored);
    for (const text of cmd.innerTexts)
      this.match(anchoredRules, text, budget, (why) => f.add('deny', `${why}: ${text}`));
    const args = cmd.argv.slice(1);
    const readOnly = READ_ONLY_COMMANDS[cmd.program]?.(args) === true && cmd.opaque === null;
    if (!readOnly) f.readOnlyShell = false;
    const denied = rules.deniedPrograms[cmd.program];
    if (denied !== undefined) f.add('deny', `${denied}: ${cmd.text}`);
    if (rules.readOnlyShell && !readOnly)
      f.add('deny', `${this.mode} mode runs only commands that read, and ${cmd.program} is not one of them`);
    if (cmd.opaque !== null && rules.opaque !== 'allow')
      f.add(rules.opaque, `runs code aiOS cannot inspect (${cmd.opaque}): ${cmd.text}`);
    // A change to the firewall needs an admin in every mode; which spelling of the tool does not matter.
    if (firewallUse(cmd.program, args) === 'changes') {
      f.add('admin', `changes the firewall: ${cmd.text}`);
      if (rules.requireConfirm) f.add('confirm', `changes the firewall: ${cmd.text}`);
    }
    if (!DEVICE_METADATA_PROGRAMS.has(cmd.program)) this.devices(commandDevices(cmd.program, cmd.text, args), f);
    if (rules.requireConfirm) {
      this.match(this.confirmRules, cmd.text, budget, (why) => f.add('confirm', `${why}: ${cmd.text}`));
      if (cmd.appendsInput && !readOnly)
        f.add('confirm', `${cmd.program} gets more arguments from its input, which aiOS cannot see: ${cmd.text}`);
    }
    for (const word of [...args, ...cmd.globbed]) {
      budget.check();
      this.protectedWord(word, tier, f);
      // A glob is judged by the files it matches now (cmd.globbed) and, relative ones, by the protected names it could match.
      if (/[*?[]/.test(word))
        for (const name of PROTECTED_FILE_NAMES) if (globMayName(word, name)) this.protectedWord(name, tier, f);
    }
  }

  private devices(found: readonly DeviceFinding[], f: Findings): void {
    for (const d of found) f.add(d.level, d.why);
  }

  private protectedWord(word: string, tier: Tier, f: Findings): void {
    // A program reading a path follows links to the end: /tmp/x -> /etc/shadow is /etc/shadow.
    let hit = this.config.protectedPaths.matchWord(word);
    if (hit === null && word.startsWith('/')) {
      try {
        hit = this.config.protectedPaths.match(realpathSync.native(word));
      } catch {
        /* does not exist: its name was judged */
      }
    }
    if (hit === null) return;
    f.add('admin', `a command names ${hit.what} (${hit.path})`);
    if (MODEL_WRITTEN_TIERS.has(tier))
      f.add('confirm', `a model's plan runs a command that names ${hit.what} (${hit.path})`);
  }
}
