// `aios models recommend`: what aiosd proposes for this node, and the command that pulls each.
import type { ModelRecommendation, RecommendedModel } from '../protocol/model-pull.js';
import { sizeText } from '../text/progress-bar.js';
import type { Io } from './commands.js';
import { showAnswer } from './models-commands.js';

function modelLines(m: RecommendedModel): string[] {
  return [
    `${m.tier.padEnd(11)} ${m.name} (${m.quant}, ${sizeText(m.sizeBytes)} file, context ${m.context})`,
    `            ${m.why}`,
    `            aios models pull ${m.uri}${m.tier === 'tactical' ? ' --tier tactical' : ''}`,
  ];
}

export function recommendationText(r: Omit<ModelRecommendation, 'plannerConfigured' | 'rules'>): string {
  const gpu =
    r.node.gpus.length === 0
      ? 'no GPU'
      : `${r.node.gpus.join(', ')}${r.node.gpuMemoryBytes === null ? '' : ` (${sizeText(r.node.gpuMemoryBytes)})`}`;
  const lines = [`this node: ${sizeText(r.node.memoryBytes)} of memory, ${r.node.cores} core(s), ${gpu}`];
  for (const m of [r.operational, r.tactical]) if (m !== null) lines.push(...modelLines(m));
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

export function modelsRecommendCommand(socketPath: string, io: Io): Promise<number> {
  return showAnswer(socketPath, io, (c) => c.call('models/recommend', {}), recommendationText);
}
