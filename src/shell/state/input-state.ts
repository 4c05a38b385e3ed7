// The input line as state: the text being edited, the goal history (kept per user on disk),
// the text last cut (for Ctrl-Y), and what Enter will do (submit a goal, search, send edited
// step arguments). Pure functions; the reducer in shell-state.ts calls them.
import { applyEdit, cursorRowCol, EMPTY_LINE, type EditLine, type LineEdit } from './line-edit.js';

/** What the input line is for right now. */
export type Prompt =
  | { kind: 'goal' }
  | { kind: 'args'; goalId: string; planId: string; planHash: string; stepId: string }
  | { kind: 'search'; agent: string }
  | { kind: 'memory' }
  /**
   * A high-risk approval: Enter approves only when the line holds the steps' ids or `yes`. With
   * `fleetGoal`, it is a fleet goal's plan group (planHash its group hash; aiosd checks it is undecided).
   */
  | {
      kind: 'approve';
      goalId: string;
      planId: string;
      planHash: string;
      stepIds?: string[];
      risky: string[];
      fleetGoal?: string;
    };

export interface InputState extends EditLine {
  /** Oldest first. */
  history: string[];
  /** Index into history while browsing it; null while editing a fresh line. */
  browsing: number | null;
  /** The unfinished line put aside while browsing history. */
  draft: string;
  /** The last text cut, for Ctrl-Y. */
  killed: string;
  prompt: Prompt;
  /** The goal being typed, put aside while another prompt borrows the line. */
  goalDraft: EditLine | null;
}

export const HISTORY_MAX = 500;

export const EMPTY_INPUT: InputState = {
  ...EMPTY_LINE,
  history: [],
  browsing: null,
  draft: '',
  killed: '',
  prompt: { kind: 'goal' },
  goalDraft: null,
};

export function moveHistory(input: InputState, delta: -1 | 1): InputState {
  // In multi-line text the arrows move between lines first; history only from the edge rows.
  const { row, rows } = cursorRowCol(input);
  if ((delta === -1 && row > 0) || (delta === 1 && row < rows.length - 1)) {
    return { ...input, ...applyEdit(input, { kind: delta === -1 ? 'lineUp' : 'lineDown' }), killed: input.killed };
  }
  if (input.prompt.kind !== 'goal') return input;
  const { history } = input;
  if (history.length === 0) return input;
  if (input.browsing === null) {
    if (delta === 1) return input;
    const text = history[history.length - 1] ?? '';
    return { ...input, draft: input.text, browsing: history.length - 1, text, cursor: Array.from(text).length };
  }
  const at = input.browsing + delta;
  if (at >= history.length) {
    return { ...input, browsing: null, text: input.draft, cursor: Array.from(input.draft).length, draft: '' };
  }
  const index = Math.max(0, at);
  const text = history[index] ?? '';
  return { ...input, browsing: index, text, cursor: Array.from(text).length };
}

export function remember(history: readonly string[], text: string): string[] {
  if (history[history.length - 1] === text) return [...history];
  return [...history, text].slice(-HISTORY_MAX);
}

/** An edit; `yank` puts back the last cut text. */
export function editInput(input: InputState, edit: LineEdit | { kind: 'yank' }): InputState {
  const real: LineEdit = edit.kind === 'yank' ? { kind: 'insert', text: input.killed } : edit;
  const { killed, ...line } = applyEdit(input, real);
  return { ...input, ...line, browsing: null, killed: killed ?? input.killed };
}

/** Another prompt borrows the line; the goal being typed is kept aside. */
export function openPrompt(input: InputState, prompt: Prompt, text: string): InputState {
  const goalDraft = input.prompt.kind === 'goal' ? { text: input.text, cursor: input.cursor } : input.goalDraft;
  return { ...input, prompt, text, cursor: Array.from(text).length, browsing: null, goalDraft };
}

/** Back to typing goals, with the goal that was being typed. */
export function closePrompt(input: InputState): InputState {
  if (input.prompt.kind === 'goal') return input;
  const back = input.goalDraft ?? EMPTY_LINE;
  return { ...input, prompt: { kind: 'goal' }, text: back.text, cursor: back.cursor, goalDraft: null, browsing: null };
}

/** After a goal was sent (or queued): an empty line, the goal in history. */
export function sent(input: InputState, text: string): InputState {
  return { ...input, ...EMPTY_LINE, history: remember(input.history, text), browsing: null, draft: '' };
}
