// The firewall through nftables: list the ruleset, and apply a script only after `nft -c`
// accepted it. The whole ruleset before the change is the snapshot; rollback loads it back
// in one transaction (flush + the saved rules in one file, which nft applies atomically).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { fail } from './fs-read-tools.js';
import { runProgram, type RunResult } from './run-program.js';
import type { StateProvider, StateRestoreReport } from '../recovery/state-provider.js';
import { defineTool, type Tool } from './tool.js';

const RUN = { timeoutMs: 30_000, outputCapBytes: 4 * 1024 * 1024 };
const NOT_INSTALLED = 'nft is not installed on this node (install the nftables package)';

function output(r: RunResult): string {
  return r.started ? r.stderr.trim() || r.stdout.trim() || `exit status ${r.exitCode ?? '?'}` : r.error;
}

export async function nftRuleset(): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  const r = await runProgram(['nft', 'list', 'ruleset'], RUN);
  if (!r.started) return { ok: false, error: r.error.startsWith('program not found') ? NOT_INSTALLED : r.error };
  if (r.exitCode !== 0) return { ok: false, error: `nft list ruleset failed: ${output(r)}` };
  return { ok: true, text: r.stdout };
}

/** Runs nft on a script held in a private temp file; `check` only validates (nft -c). */
export async function nftScript(script: string, check: boolean): Promise<{ ok: boolean; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-nft-'));
  try {
    const file = join(dir, 'rules.nft');
    writeFileSync(file, script, { mode: 0o600 });
    const r = await runProgram(['nft', ...(check ? ['-c'] : []), '-f', file], RUN);
    if (!r.started) return { ok: false, message: r.error.startsWith('program not found') ? NOT_INSTALLED : r.error };
    return {
      ok: r.exitCode === 0,
      message:
        r.exitCode === 0 ? (check ? 'nft -c accepted the rules' : 'applied') : output(r).replaceAll(file, '<rules>'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class FirewallStateProvider implements StateProvider {
  readonly kind = 'firewall' as const;

  async preview(saved: unknown): Promise<string[]> {
    const now = await this.capture();
    return JSON.stringify(now) === JSON.stringify(saved) ? [] : ['the ruleset put back as it was'];
  }

  async capture(): Promise<{ ruleset: string } | { unavailable: string }> {
    const r = await nftRuleset();
    return r.ok ? { ruleset: r.text } : { unavailable: r.error };
  }

  async restore(saved: unknown): Promise<StateRestoreReport> {
    const s = saved as { ruleset?: string; unavailable?: string };
    if (s.ruleset === undefined) return { ok: true, actions: [], problems: [] };
    const script = `flush ruleset\n${s.ruleset}`;
    const check = await nftScript(script, true);
    if (!check.ok) return { ok: false, actions: [], problems: [`the saved ruleset no longer loads: ${check.message}`] };
    const applied = await nftScript(script, false);
    if (!applied.ok)
      return { ok: false, actions: [], problems: [`could not load the saved ruleset: ${applied.message}`] };
    const now = await nftRuleset();
    const same = now.ok && now.text === s.ruleset;
    return {
      ok: same,
      actions: ['restored the previous nftables ruleset'],
      problems: same ? [] : ['the ruleset after the restore differs from the saved one'],
    };
  }
}

export function createFirewallTools(): Tool[] {
  const rules = defineTool({
    name: 'net.firewall_rules',
    description: 'Show the firewall rules (nft list ruleset).',
    schema: z.strictObject({}),
    capabilities: ['net.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    commandLines: () => [['nft', 'list', 'ruleset']],
    preview: () => Promise.resolve({ summary: 'show the nftables ruleset' }),
    async execute() {
      const r = await nftRuleset();
      if (!r.ok) return fail(r.error);
      return {
        ok: true,
        output: r.text.trim() === '' ? '(the ruleset is empty: no firewall rules)' : r.text.trimEnd(),
        data: { ruleset: r.text },
      };
    },
  });

  const apply = defineTool({
    name: 'net.firewall_apply',
    description:
      'Apply an nftables script (as nft -f reads it) after nft -c has checked it. With replace, the whole ruleset is replaced atomically. Rolled back by restoring the previous ruleset.',
    schema: z.strictObject({
      rules: z
        .string()
        .min(1)
        .max(256 * 1024)
        .describe('nft script, e.g. "add rule inet filter input tcp dport 22 accept"'),
      replace: z
        .boolean()
        .optional()
        .describe('Flush the whole ruleset first (in the same transaction); default false'),
    }),
    capabilities: ['net.admin'],
    risk: 'high',
    reversible: true,
    mutates: true,
    states: () => [{ kind: 'firewall', keys: [] }],
    commandLines: () => [['nft', '-f', '<rules>']],
    async preview(args) {
      const script = args.replace === true ? `flush ruleset\n${args.rules}` : args.rules;
      const check = await nftScript(script, true);
      return {
        summary: check.ok
          ? `apply ${script.split('\n').filter(Boolean).length} line(s) of nft rules (checked with nft -c)`
          : `nft rejects the rules: ${check.message}`,
        detail: script,
      };
    },
    async execute(args) {
      const script = args.replace === true ? `flush ruleset\n${args.rules}` : args.rules;
      const check = await nftScript(script, true);
      if (!check.ok) return fail(`nft rejects the rules, nothing was changed: ${check.message}`);
      const applied = await nftScript(script, false);
      if (!applied.ok) return fail(`nft could not apply the rules: ${applied.message}`);
      return { ok: true, output: 'applied the nft rules', data: { lines: script.split('\n').length } };
    },
  });

  return [rules, apply];
}
