export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export const median = (values: number[]): number => percentile(values, 50);

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export interface Row {
  name: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
}

export function table(rows: Row[]): string {
  const head = '| measurement | aiOS | baseline | ratio | goal |\n| --- | --- | --- | --- | --- |';
  return [head, ...rows.map((r) => `| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} |`)].join('\n');
}
