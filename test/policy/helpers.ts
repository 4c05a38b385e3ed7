// A real policy engine (real mvdan/sh worker, real registry) for the policy tests.
import { afterAll } from 'vitest';
import type { SecurityMode } from '../../src/protocol/vocabulary.js';
import { aiosProtectedPaths, createPolicy } from '../../src/agents/plan-policy.js';
import type { PolicyEngine, PolicyVerdict } from '../../src/policy/policy-engine.js';
import type { Tier } from '../../src/protocol/model.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';

export const registry = createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 64 * 1024 });

export const AIOS = {
  stateDir: '/var/lib/aios-test-state',
  configDirs: ['/etc/aios-test'],
  secretsFile: '/etc/aios-test/secrets.toml',
};

const engines: PolicyEngine[] = [];
afterAll(async () => {
  for (const e of engines.splice(0)) await e.close();
});

export function policy(
  mode: SecurityMode = 'normal',
  extra: { dangerousPatterns?: string[]; requireConfirm?: string[]; budgetMs?: number } = {},
): PolicyEngine {
  const e = createPolicy({ mode: () => mode, protectedPaths: aiosProtectedPaths(AIOS), ...extra });
  engines.push(e);
  return e;
}

/** The verdict on one tool call, as the executor would ask for it. */
export async function judgeTool(
  engine: PolicyEngine,
  tool: string,
  args: unknown,
  opts: { agent?: string; tier?: Tier } = {},
): Promise<PolicyVerdict> {
  const v = registry.validate(tool, args);
  if (!v.ok) throw new Error(v.error);
  return engine.evaluate({
    tool: v.tool,
    args: v.args,
    agent: opts.agent ?? agentOf(tool),
    tier: opts.tier ?? 'reactive',
  });
}

export function judge(engine: PolicyEngine, command: string, tier: Tier = 'reactive'): Promise<PolicyVerdict> {
  return judgeTool(engine, 'shell.exec', { command }, { agent: 'system', tier });
}

function agentOf(tool: string): string {
  if (tool.startsWith('fs.')) return 'storage';
  if (tool.startsWith('pkg.')) return 'package';
  if (tool.startsWith('net.')) return 'network';
  if (tool.startsWith('sec.')) return 'security';
  return 'system';
}
