// Facts before a plan: a model planner may call the registry's read-only tools while it
// thinks, never one that changes the node. The refusal is here, in code, whatever the prompt
// said: a mutating tool, an invalid call, or one policy would not let run unattended gets a
// refusal as its result. Every call is in the audit ledger before it runs, and its outcome in
// the goal's decision log.
import type { AuditLedger } from '../../memory/audit-ledger.js';
import type { PolicyEngine } from '../../policy/policy-engine.js';
import type { ToolRegistry } from '../../tools/registry.js';
import type { ToolResult } from '../../tools/tool.js';
import { inDaemon, type StepHost } from '../../runas/step-host.js';
import { agentFor } from '../agent-roster.js';

/** A read-only tool as the model is offered it. */
export interface FactToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface FactAnswer {
  text: string;
  /** The call was not made: the text says why. */
  refused: boolean;
}

/** What a model planner needs to gather facts; the daemon gives it a FactGatherer. */
export interface FactSource {
  tools(): FactToolSpec[];
  call(goalId: string | null, name: string, input: unknown, signal?: AbortSignal): Promise<FactAnswer>;
}

export interface FactGathererDeps {
  registry: ToolRegistry;
  policy: PolicyEngine;
  ledger: AuditLedger;
  /** The goal's decision log (the trace shows it). */
  record: (type: string, goalId: string | null, payload: Record<string, unknown>) => void;
  /** One fact call's own time limit. */
  callTimeoutMs?: number;
  /** Where the goal's calls run: as its owner (an operator's helper) or in the daemon; absent: the daemon. */
  hostFor?: (goalId: string | null) => StepHost;
}

const ACTOR = 'planner';

export class FactGatherer implements FactSource {
  constructor(private readonly deps: FactGathererDeps) {}

  tools(): FactToolSpec[] {
    return this.deps.registry
      .describe()
      .filter((t) => !t.mutates)
      .map((t) => {
        const { $schema: _drop, ...inputSchema } = t.inputSchema as Record<string, unknown>;
        return { name: t.name, description: t.description, inputSchema };
      });
  }

  async call(goalId: string | null, name: string, input: unknown, signal?: AbortSignal): Promise<FactAnswer> {
    const { registry, policy, ledger, record } = this.deps;
    const refuse = (why: string): FactAnswer => {
      ledger.append({
        actor: ACTOR,
        action: 'fact.refused',
        subject: name,
        detail: { goalId, args: input, reason: why },
      });
      record('fact.refused', goalId, { tool: name, reason: why });
      return { text: `refused: ${why}`, refused: true };
    };
    const tool = registry.get(name);
    if (tool === undefined) return refuse(`there is no tool "${name}"`);
    if (tool.mutates)
      return refuse(
        `${name} changes the system; before a plan is approved only read-only tools may be called. Put it in the plan as a step instead.`,
      );
    const v = registry.validate(name, input);
    if (!v.ok) return refuse(v.error);
    const agent = agentFor(tool.capabilities);
    if (agent === null) return refuse(`no agent may use ${name}`);
    const verdict = await policy.evaluate({ tool, args: v.args, agent, tier: 'cloud' });
    if (verdict.decision !== 'allow' || verdict.adminReasons.length > 0) {
      return refuse(
        `policy would not let this run unattended: ${[...verdict.reasons, ...verdict.adminReasons].join('; ')}`,
      );
    }
    // In the ledger before it runs, like any tool call.
    ledger.append({ actor: ACTOR, action: 'fact.call', subject: name, detail: { goalId, args: v.args, agent } });
    const began = performance.now();
    const timeout = AbortSignal.timeout(this.deps.callTimeoutMs ?? 10_000);
    const host = this.deps.hostFor?.(goalId) ?? inDaemon(null);
    const result: ToolResult = await host
      .execute(tool, v.args, {
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        onOutput: () => undefined,
        paths: verdict.paths,
      })
      .catch((err: unknown) => ({
        ok: false,
        output: '',
        error: `the tool crashed: ${err instanceof Error ? err.message : String(err)}`,
      }));
    const text = result.ok
      ? result.output
      : `failed: ${result.error}${result.output === '' ? '' : `\n${result.output}`}`;
    record('fact.result', goalId, {
      tool: name,
      args: v.args,
      ok: result.ok,
      bytes: Buffer.byteLength(text),
      ms: Math.round(performance.now() - began),
    });
    return { text, refused: false };
  }
}
