// Agent panes: one per agent that has worked, each with its own scrollback (a LineRing), its
// scroll position, its search; which pane has focus and whether it is zoomed. Pure data and
// one reducer, fed by step.started / step.output / agent.status events and by keys.
import { appendText, emptyRing, findLine, ringLength, type LineRing } from './line-ring.js';

export interface PaneSearch {
  query: string;
  /** The matching line shown, or null when nothing matched. */
  line: number | null;
}

export interface Pane {
  agent: string;
  ring: LineRing;
  busy: boolean;
  /** What it works on, as goalId/stepId and tool; null when idle. */
  task: string | null;
  tool: string | null;
  /** Lines scrolled back from the newest; 0 follows new output. */
  scroll: number;
  search: PaneSearch | null;
}

export interface PaneBook {
  byAgent: Readonly<Record<string, Pane>>;
  /** In order of first appearance: panes keep their place in the grid. */
  order: readonly string[];
  /** goalId/stepId → the agent running it. */
  stepAgent: Readonly<Record<string, string>>;
  focused: string | null;
  zoomed: boolean;
}

export const EMPTY_PANES: PaneBook = { byAgent: {}, order: [], stepAgent: {}, focused: null, zoomed: false };

export type PaneAction =
  | { type: 'paneStep'; goalId: string; stepId: string; agent: string; tool: string }
  | { type: 'paneOutput'; agent: string; chunk: string }
  | { type: 'paneStatus'; agent: string; busy: boolean; task: string | null }
  | { type: 'paneFocused'; delta: number }
  | { type: 'paneZoomed' }
  | { type: 'paneScrolled'; by: number | 'top' | 'bottom' }
  | { type: 'paneSearched'; query: string; direction: -1 | 1; again: boolean };

export function stepKey(goalId: string, stepId: string): string {
  return `${goalId}/${stepId}`;
}

function newPane(agent: string): Pane {
  return { agent, ring: emptyRing(), busy: false, task: null, tool: null, scroll: 0, search: null };
}

function withPane(book: PaneBook, agent: string, change: (pane: Pane) => Pane): PaneBook {
  const held = book.byAgent[agent];
  const pane = change(held ?? newPane(agent));
  return {
    ...book,
    byAgent: { ...book.byAgent, [agent]: pane },
    order: held === undefined ? [...book.order, agent] : book.order,
    focused: book.focused ?? agent,
  };
}

export function focusedPane(book: PaneBook): Pane | null {
  return book.focused === null ? null : (book.byAgent[book.focused] ?? null);
}

function clampScroll(pane: Pane, scroll: number): number {
  return Math.max(0, Math.min(Math.max(0, ringLength(pane.ring) - 1), scroll));
}

export function reducePanes(book: PaneBook, action: PaneAction): PaneBook {
  switch (action.type) {
    case 'paneStep': {
      const next = withPane(book, action.agent, (p) => {
        const header = `== ${action.stepId} ${action.tool} (goal ${action.goalId.slice(-6)}) ==`;
        return {
          ...p,
          tool: action.tool,
          task: stepKey(action.goalId, action.stepId),
          ring: appendText(p.ring, `${p.ring.open === '' ? '' : '\n'}${header}\n`),
        };
      });
      return { ...next, stepAgent: { ...next.stepAgent, [stepKey(action.goalId, action.stepId)]: action.agent } };
    }
    case 'paneOutput':
      return withPane(book, action.agent, (p) => {
        const ring = appendText(p.ring, action.chunk);
        // Scrolled back: keep the same lines in view while new ones arrive below.
        const scroll = p.scroll === 0 ? 0 : p.scroll + (ringLength(ring) - ringLength(p.ring));
        return { ...p, ring, scroll };
      });
    case 'paneStatus':
      return withPane(book, action.agent, (p) => ({
        ...p,
        busy: action.busy,
        task: action.busy ? action.task : p.task,
      }));
    case 'paneFocused': {
      if (book.order.length === 0) return book;
      const at = book.focused === null ? 0 : book.order.indexOf(book.focused);
      const n = book.order.length;
      return { ...book, focused: book.order[(((at + action.delta) % n) + n) % n] ?? null };
    }
    case 'paneZoomed':
      return book.focused === null ? book : { ...book, zoomed: !book.zoomed };
    case 'paneScrolled': {
      const pane = focusedPane(book);
      if (pane === null) return book;
      const scroll = action.by === 'bottom' ? 0 : action.by === 'top' ? ringLength(pane.ring) : pane.scroll + action.by;
      return withPane(book, pane.agent, (p) => ({ ...p, scroll: clampScroll(p, scroll) }));
    }
    case 'paneSearched': {
      const pane = focusedPane(book);
      if (pane === null || action.query === '') return book;
      const n = ringLength(pane.ring);
      const current = n - 1 - pane.scroll;
      // A new search starts at the line shown at the bottom; "again" moves past the last match.
      const from = action.again && pane.search?.line != null ? pane.search.line + action.direction : current;
      const line = findLine(pane.ring, action.query, from, action.direction);
      return withPane(book, pane.agent, (p) => ({
        ...p,
        search: { query: action.query, line },
        scroll: line === null ? p.scroll : clampScroll(p, n - 1 - line),
      }));
    }
  }
}
