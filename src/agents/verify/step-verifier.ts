// Runs a step's verification: the check's read-only tool call, judged, again and again with
// a growing pause until it passes or its time is up. Every check is held to the same gates
// as a step (schema, capability, policy) and must only read: at plan time it is refused
// otherwise, and after the step its outcome is audited and, when it fails, fails the step.
import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import type { DaemonEvent } from '../../protocol/events.js';
import type { Tier } from '../../protocol/model.js';
import { VERIFY_WITHIN_DEFAULT_MS, type VerifySpec } from '../../protocol/verify.js';
import type { AuditLedger } from '../../memory/audit-ledger.js';
import type { GoalStore } from '../../memory/goal-store.js';
import type { PolicyEngine } from '../../policy/policy-engine.js';
import type { ToolRegistry } from '../../tools/registry.js';
import type { Tool, ToolResult } from '../../tools/tool.js';
import { hostOf, type RunAs } from '../../runas/step-host.js';
import { agentFor } from '../agent-roster.js';
import { checkCall, describeVerify } from './verify-check.js';

export interface StepVerifierDeps {
  registry: ToolRegistry;
  policy: PolicyEngine;
  ledger: AuditLedger;
  store: GoalStore;
  emit: (event: DaemonEvent) => void;
  sandbox?: ((argv: readonly string[]) => string[]) | null;
  /** A check reads as the step did: with the goal owner's credentials. */
  runAs?: RunAs;
}

interface PreparedCheck {
  tool: Tool;
  args: unknown;
  agent: string;
  sandboxed: boolean;
  judge: (r: ToolResult) => string | null;
}

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 1000;

export class StepVerifier {
  constructor(private readonly deps: StepVerifierDeps) {}

  /** At plan time: the check's line for the review, or why it cannot be a verification. */
  async admit(spec: VerifySpec, tier: Tier): Promise<{ ok: true; line: string } | { ok: false; reason: string }> {
    const p = await this.prepare(spec, tier);
    return typeof p === 'string' ? { ok: false, reason: p } : { ok: true, line: describeVerify(spec) };
  }

  /** After the step ran: null when the check passed in time, else "verification failed: …". */
  async verify(
    at: { goalId: string; planId: string; stepId: string; tier: Tier },
    spec: VerifySpec,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const { store, ledger, emit } = this.deps;
    const line = describeVerify(spec);
    const say = (text: string): void => {
      store.appendOutput(at.planId, at.stepId, text);
      emit({ type: 'step.output', goalId: at.goalId, stepId: at.stepId, chunk: text });
    };
    const p = await this.prepare(spec, at.tier);
    let reason: string | null;
    let attempts = 0;
    if (typeof p === 'string') {
      reason = p;
    } else {
      say(`\n[verify: ${line}]\n`);
      const began = performance.now();
      const within = spec.withinMs ?? VERIFY_WITHIN_DEFAULT_MS;
      let pause = FIRST_PAUSE_MS;
      for (;;) {
        attempts++;
        const startedAt = new Date().toISOString();
        const result = await hostOf(this.deps, at.goalId)
          .execute(p.tool, p.args, {
            signal: signal ?? new AbortController().signal,
            onOutput: () => undefined,
            sandboxed: p.sandboxed,
          })
          .catch((err: unknown): ToolResult => ({
            ok: false,
            output: '',
            error: `check crashed: ${err instanceof Error ? err.message : String(err)}`,
          }));
        reason = p.judge(result);
        const left = within - (performance.now() - began);
        // The attempt that decides is kept with the step's tool calls, for the trace.
        if (reason === null || left <= 0 || signal?.aborted === true) {
          store.recordToolCall({
            id: ulid(),
            goalId: at.goalId,
            planId: at.planId,
            stepId: at.stepId,
            tool: p.tool.name,
            args: p.args,
            ok: reason === null,
            output: result.output,
            error: reason,
            startedAt,
            finishedAt: new Date().toISOString(),
          });
          break;
        }
        await sleep(Math.min(pause, left), undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
        pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
      }
    }
    const ok = reason === null;
    say(ok ? `[verified after ${attempts} check${attempts === 1 ? '' : 's'}]\n` : `[verification failed: ${reason}]\n`);
    ledger.append({
      actor: typeof p === 'string' ? 'aiosd' : p.agent,
      action: 'step.verify',
      subject: `${at.planId}/${at.stepId}`,
      detail: { goalId: at.goalId, check: line, ok, attempts, ...(ok ? {} : { reason }) },
    });
    return ok ? null : `verification failed: ${line}: ${reason}`;
  }

  private async prepare(spec: VerifySpec, tier: Tier): Promise<PreparedCheck | string> {
    const call = checkCall(spec);
    const v = this.deps.registry.validate(call.tool, call.args);
    if (!v.ok) return `the ${spec.check} check is not valid: ${v.error}`;
    const agent = agentFor(v.tool.capabilities);
    if (agent === null) return `no agent may run ${call.tool} for the ${spec.check} check`;
    const verdict = await this.deps.policy.evaluate({ tool: v.tool, args: v.args, agent, tier });
    if (verdict.decision === 'deny')
      return `the ${spec.check} check is denied by policy: ${verdict.reasons.join('; ')}`;
    const readOnly = !v.tool.mutates || verdict.readOnlyShell === true;
    if (!readOnly)
      return `the ${spec.check} check must only read, and ${JSON.stringify(call.args['command'] ?? call.tool)} may change the node`;
    // A check runs under the step's approval: one that would need its own confirmation is refused.
    if (verdict.decision !== 'allow')
      return `the ${spec.check} check would need its own confirmation (${verdict.reasons.join('; ')}); use a port, http, service or file check`;
    return { tool: v.tool, args: v.args, agent, sandboxed: verdict.readOnlyShell === true, judge: call.judge };
  }
}
