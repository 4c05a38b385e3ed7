// The first screen when no planner beyond the built-in rules is configured: the three ways on
// (a cloud key, the recommended local model, or the rules as they are), in words shared by the
// TUI and line mode. Who may act is said here; aiosd decides it (models/pull is admin only).
import type { ModelPullProgress, ModelRecommendation } from '../../protocol/model-pull.js';
import type { Role } from '../../protocol/model.js';
import { sizeText, transferLine } from '../../text/progress-bar.js';

/** A pull this session asked for: its last progress, or how it ended. */
export type PullView =
  | { kind: 'running'; progress: ModelPullProgress | null; name: string }
  | { kind: 'done'; text: string }
  | { kind: 'failed'; text: string };

/** What the shell knows for the first-run offer (null: a planner is configured, no offer). */
export interface FirstRun {
  recommendation: ModelRecommendation;
  pull: PullView | null;
}

/** The offer, one string per row; `pullKey` is how to ask for the pull here (F9, or the word pull). */
export function firstRunText(f: FirstRun, role: Role, pullKey: string): string[] {
  const rec = f.recommendation.operational;
  const rows = ['No model is set up yet, so only the built-in rules plan goals. Three ways on:'];
  if (role !== 'admin') {
    rows.push(`  Ask an admin to set one up: a cloud key, or a local model (aios models recommend shows what fits).`);
  } else {
    rows.push('  1. A cloud model: aios models key set anthropic (or openai), or give aiosd');
    rows.push('     ANTHROPIC_API_KEY or OPENAI_API_KEY in its environment.');
    rows.push(
      rec === null
        ? `  2. A local model: none in the table fits this node (${f.recommendation.notes.join('; ')}).`
        : `  2. A local model: ${pullKey} pulls ${rec.name} (${sizeText(rec.sizeBytes)}; about ${sizeText(rec.ramBytes)} of memory).`,
    );
  }
  rows.push(`  ${role === 'admin' ? '3. ' : ''}Go on with the built-in rules. They understand, for example:`);
  rows.push(`     ${f.recommendation.rules.slice(0, 6).join(' · ')}`);
  const p = f.pull;
  if (p?.kind === 'running')
    rows.push(
      p.progress === null
        ? `pulling ${p.name}…`
        : `${p.progress.phase === 'downloading' ? 'pulling ' : `${p.progress.phase} `}${transferLine(p.progress, 20)}`,
    );
  else if (p !== null && p !== undefined) rows.push(p.text);
  return rows;
}
