// A strict reader of the Prometheus text exposition format (0.0.4), for tests that scrape aiosd:
// every line must be a HELP, a TYPE or a sample of a declared family, or it throws.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(?:,|$)/;
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
  counter: ['_total'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`${where}: bad metric name`);
      const f = families.get(name) ?? { name, help: '', type: 'untyped', samples: [] };
      if (kind === 'HELP') f.help = rest;
      else if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
        throw new Error(`${where}: unknown type ${rest}`);
      else f.type = rest;
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`${where}: not a sample`);
    const [, name = '', labelText = '', valueText = ''] = m;
    const value =
      valueText === '+Inf'
        ? Infinity
        : valueText === '-Inf'
          ? -Infinity
          : valueText === 'NaN'
            ? NaN
            : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`${where}: bad value ${valueText}`);
    const family = familyOf(families, name);
    if (family === undefined) throw new Error(`${where}: sample of an undeclared family`);
    family.samples.push({ name, labels: parseLabels(labelText, where), value });
  }
  return families;
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const exact = families.get(sample);
  if (exact !== undefined) return exact;
  for (const f of families.values()) {
    if ((SUFFIXES[f.type] ?? []).some((s) => sample === f.name + s)) return f;
  }
  return undefined;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const m = LABEL.exec(rest);
    if (m === null) throw new Error(`${where}: bad labels at ${JSON.stringify(rest)}`);
    labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(["\\n])/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}
