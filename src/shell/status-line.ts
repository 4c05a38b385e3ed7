// The status bar's one row: is aiosd there, who am I, on which node, in which mode.
import type { Connection, Health, Session } from './shell-state.js';
import { seg, type Line, type Segment } from './styled-lines.js';
import type { TerminalCaps } from './terminal-caps.js';

export interface StatusInput {
  connection: Connection;
  session: Session | null;
  health: Health | null;
  busyAgents: readonly string[];
  caps: TerminalCaps;
}

function connectionSegment(connection: Connection, health: Health | null, caps: TerminalCaps): Segment {
  switch (connection.kind) {
    case 'connecting':
      return seg(`connecting${caps.glyphs.ellipsis}`, { tone: 'warn' });
    case 'unreachable':
      return seg(`aiosd unreachable ${caps.glyphs.dash} ${connection.retryInS > 0 ? `retrying in ${connection.retryInS}s` : `retrying${caps.glyphs.ellipsis}`}`, { tone: 'danger', bold: true });
    case 'connected':
      if (health?.health === 'degraded') {
        const n = health.problems.length;
        return seg(`aiosd degraded (${n} problem${n === 1 ? '' : 's'})`, { tone: 'warn', bold: true });
      }
      return seg('aiosd ok', { tone: 'ok' });
  }
}

export function statusLine(props: StatusInput): Line {
  const { session, busyAgents, caps } = props;
  const parts: Segment[] = [seg(' '), connectionSegment(props.connection, props.health, caps)];
  if (session !== null) {
    parts.push(seg(` ${caps.glyphs.sep} ${session.user} (${session.role}) @ ${session.node} ${caps.glyphs.sep} ${session.mode} mode`));
  }
  if (busyAgents.length > 0) parts.push(seg(` ${caps.glyphs.sep} ${busyAgents.length} busy`, { tone: 'accent' }));
  parts.push(seg(`  ? keys`, { tone: 'muted' }));
  return parts.map((s) => ({ ...s, inverse: true }));
}
