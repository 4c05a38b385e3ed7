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

  constructor(private readonly source: FactSource, private readonly limits: FactLimits = FACT_LIMITS) {}

  get calls(): number {
    return this.turns.length;
  }

  /** The plan, after at most `rounds` fact calls; a problem when the model will not stop asking. */
  async ask(gateway: ApiGateway, req: GatewayRequest): Promise<GatewayReply | { problem: string }> {
    const tools = this.source.tools();
    for (;;) {
      const final = this.turns.length >= this.limits.rounds || this.bytes >= this.limits.bytes || performance.now() - this.began >= this.limits.wallMs;
      const reply = await gateway.plan({ ...req, facts: { tools, turns: [...this.turns], final } });
      if (reply.factCall === undefined) return reply;
      if (final) return { problem: `the model kept asking for facts after ${this.turns.length} call(s) and submitted no plan (at most ${this.limits.rounds} rounds, ${this.limits.bytes} bytes, ${this.limits.wallMs / 1000} s)` };
      const answer = await this.source.call(req.goalId, reply.factCall.name, reply.value, req.signal);
      const room = Math.max(0, Math.min(this.limits.perCallBytes, this.limits.bytes - this.bytes));
      const text = cut(answer.text, room);
      this.bytes += Buffer.byteLength(text);
      this.turns.push({ id: reply.factCall.id, name: reply.factCall.name, input: reply.value, result: text, refused: answer.refused });
    }
  }
}

function cut(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  return `${buf.subarray(0, Math.max(0, bytes - 40)).toString('utf8').replace(/\uFFFD$/, '')}\n[cut at ${bytes} bytes]`;
}
