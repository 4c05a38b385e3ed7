// "5m" → 300000. The config schema has already checked the form (DURATION_PATTERN).
import { DURATION_PATTERN } from '../config/models-schema.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text.trim());
  if (m?.[1] === undefined || m[2] === undefined)
    throw new Error(`not a duration: ${JSON.stringify(text)}; write e.g. "30s", "5m" or "1h"`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2]] ?? 1));
}
