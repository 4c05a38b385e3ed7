// A patch run's plan, made by aiOS from the configuration rather than by a model: one pkg.upgrade
// of exactly the packages chosen (so the approval and the hash cover that list), then the
// verification steps that depend on it: each configured check command, run in the package root,
// must exit 0, and each service that was active before must be active again.
import type { AutoPatchMode } from '../../config/patch-schema.js';
import type { PlanStepSpec } from '../../protocol/model.js';
import type { SimulatedChange } from '../../tools/apt.js';
import { NODE_ROOT } from '../../tools/package-root.js';
import type { ToolRegistry } from '../../tools/registry.js';
import { shellQuote } from '../../tools/shell-exec.js';
import { agentFor } from '../agent-roster.js';

/** How long a service may take to be active again after its package was upgraded. */
const SERVICE_BACK_MS = 60_000;

/** A security update comes from a release apt names as security ("Debian-Security:12/stable-security"). */
export function isSecurityUpdate(c: SimulatedChange): boolean {
  return /security/i.test(c.origin ?? '');
}

/** The upgrades a run of this mode applies; the others are left for a person (or an "all" run). */
export function chooseUpgrades(
  changes: readonly SimulatedChange[],
  mode: Exclude<AutoPatchMode, 'off'>,
): SimulatedChange[] {
  return changes.filter((c) => c.action === 'upgrade' && (mode === 'all' || isSecurityUpdate(c)));
}

export function describeUpgrade(c: SimulatedChange): string {
  return `${c.name} ${c.from ?? '?'} → ${c.to ?? '?'}`;
}

export function patchSteps(
  input: {
    mode: Exclude<AutoPatchMode, 'off'>;
    upgrades: readonly SimulatedChange[];
    checks: readonly string[];
    services: readonly string[];
    root: string;
  },
  registry: ToolRegistry,
): PlanStepSpec[] {
  const agent = (tool: string): string => agentFor(registry.get(tool)?.capabilities ?? []) ?? 'system';
  const tool = (name: string) => ({ tool: name, agent: agent(name) });
  const upgrade: PlanStepSpec = {
    id: 's1',
    ...tool('pkg.upgrade'),
    args: { packages: input.upgrades.map((c) => c.name) },
    rationale: `auto_patch (${input.mode}): ${input.upgrades.map(describeUpgrade).join(', ')}; the installed .debs are kept first, for the rollback`,
    risk: 'high',
    reversible: true,
    dependsOn: [],
  };
  const checks: PlanStepSpec[] = input.checks.map((command, i) => ({
    id: `check${i + 1}`,
    ...tool('shell.exec'),
    args: {
      command: input.root === NODE_ROOT ? command : `chroot ${shellQuote(input.root)} sh -c ${shellQuote(command)}`,
    },
    rationale: `verification: \`${command}\` must exit 0 after the upgrade (auto_patch_checks), or the run is rolled back`,
    risk: 'medium',
    reversible: false,
    dependsOn: ['s1'],
  }));
  const services: PlanStepSpec[] = input.services.map((unit, i) => ({
    id: `service${i + 1}`,
    ...tool('service.status'),
    args: { unit },
    rationale: `verification: ${unit} was active before the upgrade and must be active again, or the run is rolled back`,
    risk: 'low',
    reversible: true,
    dependsOn: ['s1'],
    verify: { check: 'service', unit, expect: 'active', withinMs: SERVICE_BACK_MS },
  }));
  return [upgrade, ...checks, ...services];
}
