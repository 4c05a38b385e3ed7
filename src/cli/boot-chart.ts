// The boot timeline as text, the way `systemd-analyze` and `systemd-analyze plot` show a boot:
// a summary line, then one bar per phase on a shared time axis (plain ASCII, so it reads the
// same on a serial console), then the supervised services.
import type { BootPhaseRecord, BootTimeline } from '../protocol/boot-timeline.js';
import { sanitize } from '../text/sanitize.js';

const MARK: Record<BootPhaseRecord['status'], string> = {
  pending: ' ',
  running: '>',
  ok: '#',
  warn: '!',
  failed: 'X',
  skipped: '-',
};

function secs(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

function clean(text: string): string {
  return sanitize(text, { singleLine: true });
}

/** One line: how long the kernel and aios-init took, and where the boot stands. */
export function bootSummary(t: BootTimeline, stale: boolean): string {
  const from = t.mode === 'pid1' ? `${secs(t.initStartS)} (kernel) + ` : '';
  const state = stale ? `${t.state}, from an earlier boot` : t.state;
  if (t.readyS === null) return `boot ${state}: aios-init started at ${secs(t.initStartS)}, not finished`;
  const total = t.mode === 'pid1' ? ` = ${secs(t.readyS)} from kernel start to autonomy` : ' to autonomy';
  return `boot ${state}: ${from}${secs(t.readyS - t.initStartS)} (aios-init)${total}`;
}

export function bootChart(t: BootTimeline, stale: boolean, width = 80): string[] {
  // Kernel time is part of the picture only when aios-init is init; otherwise the axis
  // starts when aios-init did.
  const origin = t.mode === 'pid1' ? 0 : t.initStartS;
  const rows: Array<{ label: string; start: number; end: number; mark: string; note: string }> = [];
  if (t.mode === 'pid1') rows.push({ label: 'kernel', start: 0, end: t.initStartS, mark: '=', note: '' });
  for (const p of t.phases) {
    const start = p.startS ?? origin;
    const end = p.endS ?? (p.startS === null ? origin : Math.max(start, t.readyS ?? start));
    rows.push({ label: p.name, start, end, mark: MARK[p.status], note: p.status === 'ok' ? '' : p.status });
  }
  const last = Math.max(t.readyS ?? 0, ...rows.map((r) => r.end), origin + 0.001);
  const span = last - origin;
  const labelW = Math.max(...rows.map((r) => r.label.length));
  const barW = Math.max(10, width - labelW - 20);
  const col = (s: number): number => Math.min(barW, Math.round(((s - origin) / span) * barW));
  const lines = [bootSummary(t, stale), ''];
  lines.push(`${' '.repeat(labelW + 11)}|${'0 s'.padEnd(barW - 1)}${secs(span).padStart(1)}`);
  for (const r of rows) {
    const a = col(r.start);
    const b = Math.max(a + 1, col(r.end));
    const bar = ' '.repeat(a) + r.mark.repeat(b - a);
    lines.push(
      `${r.label.padEnd(labelW)} ${secs(r.end - r.start).padStart(8)}  |${bar.padEnd(barW)} ${r.note}`.trimEnd(),
    );
  }
  lines.push(
    '',
    `legend: # ok  ! warning  X failed  - skipped  > running${t.mode === 'pid1' ? '  = kernel and initramfs' : ''}`,
  );
  return lines;
}

export function phaseDetails(t: BootTimeline): string[] {
  const lines: string[] = [];
  for (const p of t.phases) {
    lines.push(`${p.title}: ${p.status}${p.error === null ? '' : ` — ${clean(p.error)}`}`);
    for (const d of p.details) lines.push(`    ${clean(d)}`);
  }
  if (t.services.length > 0) {
    lines.push('', 'services:');
    const w = Math.max(...t.services.map((s) => s.name.length));
    for (const s of t.services) {
      lines.push(
        `    ${s.name.padEnd(w)}  ${s.state.padEnd(8)}  ${s.pid === null ? '' : `pid ${s.pid}  `}starts ${s.starts}${s.lastExit === null ? '' : `  last: ${clean(s.lastExit)}`}`,
      );
    }
  }
  return lines;
}
