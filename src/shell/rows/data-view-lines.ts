// The snapshot, audit (ledger and decision trace) and memory views as rows. Everything that
// came from files, programs or models is untrusted text: it goes through textRows/fitLine,
// which make control characters visible.
import type { AuditEntryView, SnapshotEntryView } from '../../protocol/model.js';
import { listWindow } from './list-window.js';
import { line, seg, textRows, type Line, type Tone } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import type { ViewData } from '../state/view-data.js';

export interface DataViewInput {
  data: ViewData;
  active: boolean;
  height: number;
  width: number;
  caps: TerminalCaps;
}

const time = (iso: string): string => iso.replace('T', ' ').slice(0, 19);

function entryLines(e: SnapshotEntryView, width: number): Line[] {
  const state = !e.changed
    ? 'unchanged'
    : e.now === 'absent'
      ? 'gone now'
      : e.type === 'absent'
        ? `created since (${e.now})`
        : 'changed';
  const tone: Tone = e.changed ? 'warn' : 'ok';
  const out: Line[] = [[seg(`  ${e.type} `, { tone: 'muted' }), seg(e.path), seg(`  ${state}`, { tone })]];
  if (e.note !== null) out.push(line(`    ${e.note}`, { tone: 'muted' }));
  if (e.diff !== null) {
    for (const r of textRows(e.diff, width - 4)) {
      const t: Tone | undefined =
        r.startsWith('+') && !r.startsWith('+++')
          ? 'ok'
          : r.startsWith('-') && !r.startsWith('---')
            ? 'danger'
            : r.startsWith('@@')
              ? 'accent'
              : undefined;
      out.push([seg('    '), seg(r, t === undefined ? {} : { tone: t })]);
    }
  }
  return out;
}

export function snapshotLines({ data, active, height, width, caps }: DataViewInput): Line[] {
  if (height <= 0) return [];
  if (data.snapshots === null) return [line(`loading snapshots${caps.glyphs.ellipsis}`, { tone: 'muted' })];
  if (data.snapshots.length === 0)
    return [line('No snapshots yet: one is taken before every step that changes a file.')];
  const head = line(
    `Snapshots ${caps.glyphs.dash} Enter: what it holds against now  R: restore (asks first)  r: reload`,
    { tone: 'muted' },
  );
  const items = data.snapshots.map((s): Line => [
    seg(`${time(s.createdAt)} `, { tone: 'muted' }),
    seg(s.label),
    seg(`  ${s.paths.length} path${s.paths.length === 1 ? '' : 's'}`, { tone: 'muted' }),
    seg(s.restoredAt === null ? '' : `  restored ${time(s.restoredAt)}`, { tone: 'accent' }),
  ]);
  const detail = data.snapshotDetail;
  if (detail === null) return [head, ...listWindow(items, data.snapshotSel, height - 1, active, caps)];
  const listRows = Math.min(items.length, Math.max(3, Math.floor((height - 1) / 3)));
  const list = listWindow(items, data.snapshotSel, listRows, active, caps);
  const body = detail.entries.flatMap((e) => entryLines(e, width));
  const room = height - 1 - list.length - 1;
  const shown =
    body.length <= room
      ? body
      : [
          ...body.slice(0, Math.max(0, room - 1)),
          line(`    ${caps.glyphs.ellipsis}${body.length - room + 1} more lines`, { tone: 'muted' }),
        ];
  return [
    head,
    ...list,
    line(`holds ${detail.entries.length} path${detail.entries.length === 1 ? '' : 's'}, against now:`, { bold: true }),
    ...shown,
  ].slice(0, height);
}

function auditRow(e: AuditEntryView, bad: number | null): Line {
  const broken = bad !== null && e.seq >= bad;
  return [
    seg(`${String(e.seq).padStart(5)} `, { tone: broken ? 'danger' : 'muted' }),
    seg(`${time(e.ts)} `, { tone: 'muted' }),
    seg(`${e.actor} `, { bold: true }),
    seg(
      `${e.action} `,
      e.action.endsWith('denied') ? { tone: 'danger' } : e.action.startsWith('plan.') ? { tone: 'accent' } : {},
    ),
    seg(e.subject),
  ];
}

export function auditLines({ data, active, height, width, caps }: DataViewInput): Line[] {
  if (height <= 0) return [];
  const v = data.verify;
  const status: Line =
    v === null
      ? line(`verifying the chain${caps.glyphs.ellipsis}`, { tone: 'muted' })
      : v.ok
        ? line(`ledger verified: ${v.entries} entries, hash chain intact`, { tone: 'ok', bold: true })
        : line(`LEDGER BROKEN at entry ${v.firstBad?.seq ?? '?'}: ${v.firstBad?.reason ?? ''} (${v.entries} entries)`, {
            tone: 'danger',
            bold: true,
          });
  if (data.trace !== null) {
    const t = data.trace;
    const rows: Line[] = t.items.flatMap((item) => {
      const head: Line = [
        seg(`${time(item.ts)} `, { tone: 'muted' }),
        seg(`${item.source} `, { tone: item.source === 'audit' ? 'accent' : 'muted' }),
        seg(`${item.kind} `, { bold: true }),
        seg(item.actor),
      ];
      return [
        head,
        ...textRows(item.summary, width - 4)
          .slice(0, 3)
          .map((r) => [seg('    '), seg(r, { tone: 'muted' })]),
      ];
    });
    const room = height - 2;
    const start = Math.min(data.traceScroll, Math.max(0, rows.length - room));
    return [
      status,
      [
        seg('decision trace of ', { bold: true }),
        seg(t.text),
        seg(`  (${t.items.length} records; Enter closes)`, { tone: 'muted' }),
      ],
      ...rows.slice(start, start + room),
    ].slice(0, height);
  }
  if (data.audit === null)
    return [status, line(`loading the ledger${caps.glyphs.ellipsis}`, { tone: 'muted' })].slice(0, height);
  const bad = v !== null && !v.ok ? (v.firstBad?.seq ?? null) : null;
  const head = line(`newest first ${caps.glyphs.dash} Enter/t: the goal's decision trace  v: verify  r: reload`, {
    tone: 'muted',
  });
  const items = data.audit.entries.map((e) => auditRow(e, bad));
  const sel = data.audit.entries[data.auditSel];
  const detailRows =
    sel === undefined
      ? []
      : textRows(JSON.stringify(sel.detail), width - 4)
          .slice(0, 3)
          .map((r): Line => [seg('    '), seg(r, { tone: 'muted' })]);
  const listRows = Math.max(1, height - 2 - detailRows.length);
  return [status, head, ...listWindow(items, data.auditSel, listRows, active, caps), ...detailRows].slice(0, height);
}

export function memoryLines({ data, active, height, width, caps }: DataViewInput): Line[] {
  if (height <= 0) return [];
  if (data.memoryHits === null) {
    return [
      line('Search what aiOS remembers: past goals, learnt procedures, events.'),
      line('Press / (or Enter) and type words to look for.', { tone: 'muted' }),
    ].slice(0, height);
  }
  const head = line(
    `${data.memoryHits.length} hit${data.memoryHits.length === 1 ? '' : 's'} for "${data.memoryQuery}" ${caps.glyphs.dash} / searches again`,
    { bold: true },
  );
  if (data.memoryHits.length === 0) return [head, line('nothing found', { tone: 'muted' })];
  const items = data.memoryHits.map((h): Line => [
    seg(`${time(h.createdAt)} `, { tone: 'muted' }),
    seg(`${h.kind} `, { tone: 'accent' }),
    seg(h.content),
  ]);
  const sel = data.memoryHits[data.memorySel];
  const more =
    sel === undefined
      ? []
      : textRows(sel.content, width - 4)
          .slice(0, 4)
          .map((r): Line => [seg('    '), seg(r)]);
  return [
    head,
    ...listWindow(items, data.memorySel, Math.max(1, height - 1 - more.length), active, caps),
    ...more,
  ].slice(0, height);
}
