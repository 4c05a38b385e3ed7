// The monitor dashboard as rows: gauges for CPU, memory, swap and each disk; sparkline charts
// of CPU, network and load over the last samples; tokens a second and spend when a model
// gateway reports them. Drawn with the terminal's own glyphs (eighth blocks, CP437 shades or
// ASCII), so it works on the Linux console and a serial line, and costs a few cells a second.
import type { Metrics } from '../../protocol/model.js';
import { line, seg, type Line, type Tone } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface MonitorInput {
  metrics: readonly Metrics[];
  height: number;
  width: number;
  caps: TerminalCaps;
}

const LABEL = 9;

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

function toneFor(pct: number): Tone {
  return pct >= 90 ? 'danger' : pct >= 75 ? 'warn' : 'ok';
}

export function gauge(label: string, pct: number, note: string, width: number, caps: TerminalCaps): Line {
  const barWidth = Math.max(4, Math.min(40, width - LABEL - note.length - 8));
  const filled = Math.round((Math.max(0, Math.min(100, pct)) / 100) * barWidth);
  return [
    seg(label.padEnd(LABEL), { bold: true }),
    seg(caps.glyphs.full.repeat(filled), { tone: toneFor(pct) }),
    seg(caps.glyphs.empty.repeat(barWidth - filled), { tone: 'muted' }),
    seg(` ${pct.toFixed(0).padStart(3)}% `),
    seg(note, { tone: 'muted' }),
  ];
}

/** The last `width` values as one row of sparkline glyphs, scaled to `max` (or their peak). */
export function sparkline(values: readonly number[], width: number, caps: TerminalCaps, max?: number): string {
  const levels = caps.glyphs.spark;
  const shown = values.slice(-Math.max(1, width));
  const top = max ?? Math.max(1e-9, ...shown);
  return shown
    .map((v) => levels[Math.min(levels.length - 1, Math.max(0, Math.round((v / top) * (levels.length - 1))))] ?? ' ')
    .join('');
}

function chart(
  label: string,
  values: readonly number[],
  now: string,
  width: number,
  caps: TerminalCaps,
  max?: number,
): Line {
  const room = Math.max(4, width - LABEL - now.length - 2);
  return [
    seg(label.padEnd(LABEL), { bold: true }),
    seg(sparkline(values, room, caps, max), { tone: 'accent' }),
    seg(`  ${now}`),
  ];
}

export function monitorLines({ metrics, height, width, caps }: MonitorInput): Line[] {
  if (height <= 0) return [];
  const m = metrics[metrics.length - 1];
  if (m === undefined)
    return [
      line(`sampling${caps.glyphs.ellipsis} (the daemon reads /proc once a second while this view is open)`, {
        tone: 'muted',
      }),
    ];
  const memPct = m.memory.totalBytes > 0 ? (m.memory.usedBytes / m.memory.totalBytes) * 100 : 0;
  const swapPct = m.memory.swapTotalBytes > 0 ? (m.memory.swapUsedBytes / m.memory.swapTotalBytes) * 100 : 0;
  const rows: Line[] = [
    gauge('CPU', m.cpu.percent, `${m.cpu.cores.length} cores`, width, caps),
    gauge('memory', memPct, `${bytes(m.memory.usedBytes)} of ${bytes(m.memory.totalBytes)}`, width, caps),
  ];
  if (m.memory.swapTotalBytes > 0)
    rows.push(
      gauge('swap', swapPct, `${bytes(m.memory.swapUsedBytes)} of ${bytes(m.memory.swapTotalBytes)}`, width, caps),
    );
  for (const d of m.disks) {
    rows.push(
      gauge(
        d.mount.length > LABEL - 1 ? `${d.mount.slice(0, LABEL - 2)}${caps.glyphs.ellipsis.slice(0, 1)}` : d.mount,
        d.totalBytes > 0 ? (d.usedBytes / d.totalBytes) * 100 : 0,
        `${bytes(d.usedBytes)} of ${bytes(d.totalBytes)}`,
        width,
        caps,
      ),
    );
  }
  rows.push([]);
  rows.push(
    chart(
      'CPU %',
      metrics.map((x) => x.cpu.percent),
      `${m.cpu.percent.toFixed(0)}%`,
      width,
      caps,
      100,
    ),
  );
  rows.push(
    chart(
      'net in',
      metrics.map((x) => x.net.rxBytesPerS),
      `${bytes(m.net.rxBytesPerS)}/s`,
      width,
      caps,
    ),
  );
  rows.push(
    chart(
      'net out',
      metrics.map((x) => x.net.txBytesPerS),
      `${bytes(m.net.txBytesPerS)}/s`,
      width,
      caps,
    ),
  );
  rows.push(
    chart(
      'load',
      metrics.map((x) => x.load[0]),
      m.load.map((l) => l.toFixed(2)).join(' '),
      width,
      caps,
    ),
  );
  rows.push(
    m.tokensPerS === null
      ? line(`${'tokens/s'.padEnd(LABEL)}no model has reported yet`, { tone: 'muted' })
      : chart(
          'tokens/s',
          metrics.map((x) => x.tokensPerS ?? 0),
          m.tokensPerS.toFixed(1),
          width,
          caps,
        ),
  );
  if (m.spendUsd !== null) {
    rows.push(
      m.budgetUsd !== null && m.budgetUsd > 0
        ? gauge(
            'spend',
            (m.spendUsd / m.budgetUsd) * 100,
            `$${m.spendUsd.toFixed(2)} of $${m.budgetUsd.toFixed(2)}`,
            width,
            caps,
          )
        : line(`${'spend'.padEnd(LABEL)}$${m.spendUsd.toFixed(2)}`),
    );
  }
  return rows.slice(0, height);
}
