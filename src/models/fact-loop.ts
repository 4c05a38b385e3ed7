// The bounded tool-use loop before a cloud plan: the model may ask for facts with read-only
// tools, a few rounds, a few kilobytes and a few seconds at most; then it must submit its plan.
// The turns are kept for the whole planning, so a retry with reasons sees the same facts.
import type { FactSource } from '../agents/facts/fact-gatherer.js';
import type { ApiGateway, GatewayReply, GatewayRequest } from './gateway/api-gateway.js';
import type { FactTurn } from './gateway/provider-client.js';

export const FACT_LIMITS = { rounds: 4, bytes: 32 * 1024, perCallBytes: 8 * 1024, wallMs: 30_000 } as const;
export type FactLimits = { [K in keyof typeof FACT_LIMITS]: number };

export class FactSession {
  private readonly turns: FactTurn[] = [];
  private bytes = 0;
  private readonly began = performance.now();

  constructor(
    private readonly source: FactSource,
    private readonly limits: FactLimits = FACT_LIMITS,
  ) {}

  get calls(): number {
    return this.turns.length;
  }

  /** The calls so far and their answers, in order. */
  get answered(): readonly FactTurn[] {
    return this.turns;
  }

  /** A bound is reached: no more fact calls. */
  get spent(): boolean {
    return (
      this.turns.length >= this.limits.rounds ||
      this.bytes >= this.limits.bytes ||
      performance.now() - this.began >= this.limits.wallMs
    );
  }

  /** The plan, after at most `rounds` fact calls; a problem when the model will not stop asking. */
  async ask(gateway: ApiGateway, req: GatewayRequest): Promise<GatewayReply | { problem: string }> {
    const tools = this.source.tools();
    for (;;) {
      const final = this.spent;
      const reply = await gateway.plan({ ...req, facts: { tools, turns: [...this.turns], final } });
      if (reply.factCall === undefined) return reply;
      if (final)
        return {
          problem: `the model kept asking for facts after ${this.turns.length} call(s) and submitted no plan (at most ${this.limits.rounds} rounds, ${this.limits.bytes} bytes, ${this.limits.wallMs / 1000} s)`,
        };
      await this.answer(req.goalId, { ...reply.factCall, input: reply.value }, req.signal);
    }
  }

  /** Makes one fact call (the source refuses what is not read-only) and keeps its answer, cut to the bounds. */
  async answer(
    goalId: string | null,
    call: { id: string; name: string; input: unknown },
    signal?: AbortSignal,
  ): Promise<void> {
    const answer = await this.source.call(goalId, call.name, call.input, signal);
    const room = Math.max(0, Math.min(this.limits.perCallBytes, this.limits.bytes - this.bytes));
    const text = cut(answer.text, room);
    this.bytes += Buffer.byteLength(text);
    this.turns.push({ id: call.id, name: call.name, input: call.input, result: text, refused: answer.refused });
  }
}

/** For a plan's explanation: how many fact calls came before it ('' for none). */
export function factCallsNote(calls: number): string {
  return calls === 0 ? '' : `after ${calls} read-only fact call${calls === 1 ? '' : 's'}`;
}

function cut(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  return `${buf
    .subarray(0, Math.max(0, bytes - 40))
    .toString('utf8')
    .replace(/\uFFFD$/, '')}\n[cut at ${bytes} bytes]`;
}
