// The status bar's one row: is aiosd there, who am I (and my role), on which node, in which
// mode, the autonomy level, patching (when on), model tiers up or down, budget left, alerts,
// and the view shown.
import type { Connection, Health, Session, StatusExtras } from '../state/shell-state.js';
import { seg, type Line, type Segment, type Tone } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface StatusInput {
  connection: Connection;
  session: Session | null;
  health: Health | null;
  busyAgents: readonly string[];
  caps: TerminalCaps;
  extras?: StatusExtras;
  alerts?: number;
  queued?: number;
  view?: string;
}

function connectionSegment(connection: Connection, health: Health | null, caps: TerminalCaps): Segment {
  switch (connection.kind) {
    case 'connecting':
      return seg(`connecting${caps.glyphs.ellipsis}`, { tone: 'warn' });
    case 'unreachable':
      return seg(
        `aiosd unreachable ${caps.glyphs.dash} ${connection.retryInS > 0 ? `retrying in ${connection.retryInS}s` : `retrying${caps.glyphs.ellipsis}`}`,
        { tone: 'danger', bold: true },
      );
    case 'connected':
      if (health?.health === 'degraded') {
        const n = health.problems.length;
        return seg(`aiosd degraded (${n} problem${n === 1 ? '' : 's'})`, { tone: 'warn', bold: true });
      }
      return seg('aiosd ok', { tone: 'ok' });
  }
}

/** How the last patch run ended, in a word or two, and its tone. */
const PATCH_OUTCOME: Record<string, { text: string; tone: Tone }> = {
  upgraded: { text: 'upgraded', tone: 'ok' },
  nothing: { text: 'up to date', tone: 'ok' },
  waiting: { text: 'waiting', tone: 'muted' },
  rolled_back: { text: 'rolled back', tone: 'warn' },
  failed: { text: 'failed', tone: 'danger' },
};

/** "patch sec: upgraded" / "patch all: running…": auto_patch's mode, then the run going or the last. */
function patchSegments(p: NonNullable<StatusExtras['patching']>, sep: string, caps: TerminalCaps): Segment[] {
  const head = seg(`${sep}patch ${p.mode === 'security' ? 'sec' : p.mode}`);
  if (p.running) return [head, seg(`: running${caps.glyphs.ellipsis}`, { tone: 'accent', bold: true })];
  if (p.last === null) return [head];
  const outcome = PATCH_OUTCOME[p.last] ?? { text: p.last.replace(/_/g, ' '), tone: 'muted' as const };
  return [
    head,
    seg(`: ${outcome.text}`, { tone: outcome.tone, bold: outcome.tone === 'danger' || outcome.tone === 'warn' }),
  ];
}

export function statusLine(props: StatusInput): Line {
  const { session, busyAgents, caps, extras } = props;
  const sep = ` ${caps.glyphs.sep} `;
  const parts: Segment[] = [seg(' '), connectionSegment(props.connection, props.health, caps)];
  if (session !== null) {
    parts.push(seg(`${sep}${session.user} (${session.role}) @ ${session.node}${sep}${session.mode} mode`));
  }
  if (props.queued !== undefined && props.queued > 0)
    parts.push(seg(`${sep}${props.queued} queued`, { tone: 'warn', bold: true }));
  if (busyAgents.length > 0) parts.push(seg(`${sep}${busyAgents.length} busy`, { tone: 'accent' }));
  if (props.alerts !== undefined && props.alerts > 0)
    parts.push(seg(`${sep}${props.alerts} alert${props.alerts === 1 ? '' : 's'}`, { tone: 'danger', bold: true }));
  if (extras !== undefined) {
    if (extras.autonomy !== null) parts.push(seg(`${sep}${extras.autonomy}`));
    if (extras.patching !== null) parts.push(...patchSegments(extras.patching, sep, caps));
    if (extras.tiers.length > 0) {
      parts.push(seg(sep));
      for (const t of extras.tiers)
        parts.push(seg(`${t.name}${t.up ? caps.glyphs.up : caps.glyphs.down} `, { tone: t.up ? 'ok' : 'danger' }));
    }
    if (extras.budget !== null) {
      const b = extras.budget;
      parts.push(
        seg(
          b.limitUsd === null
            ? `${sep}$${b.spentUsd.toFixed(2)} spent`
            : `${sep}$${Math.max(0, b.limitUsd - b.spentUsd).toFixed(2)} left`,
        ),
      );
    }
  }
  if (props.view !== undefined && props.view !== 'plan') parts.push(seg(`${sep}[${props.view}]`, { bold: true }));
  parts.push(seg(`  ? keys`, { tone: 'muted' }));
  return parts.map((s) => ({ ...s, inverse: true }));
}
