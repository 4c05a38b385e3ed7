// One record per view: its name, the keys that show it, the words the help uses, its own keys,
// how it loads what it shows from aiosd and how it draws it as rows. The keymap, the help, the
// main area, the controller's view switching, selection and loading all read the registry
// (registry.ts), so adding a view is its record, one line there, and its test.
//
// A record imports only leaves (protocol types, rows, the view data and pane slices): the keymap
// and the shell state are built from the registry, so a record that imported them would close a
// cycle. What it needs of the live shell comes in as a ViewAsk.
import type { Role } from '../../protocol/model.js';
import type { BaseCommand, Bindings } from '../commands/command-names.js';
import type { ShellClient } from '../commands/client-port.js';
import type { PaneAction, PaneBook } from '../state/panes.js';
import type { HatchState } from '../state/hatch-state.js';
import type { DataAction, ViewData } from '../state/view-data.js';
import type { Line } from '../rows/styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

/** What a view's `load` may do: ask aiosd, keep what it answered, say why it failed. */
export interface ViewAsk {
  /** The live client; when there is none, says so on the flash line and returns null. */
  client(): ShellClient | null;
  /** Whether aiosd is connected now (a poll asks nothing, and says nothing, while it is not). */
  connected: boolean;
  /** Asked by a polled view's timer rather than on show or `r`: a view may reuse what changes slowly. */
  poll: boolean;
  /** The person's role at aiosd (null before it says): a view asks only what that role may read. */
  role: Role | null;
  put(action: DataAction): void;
  /** Shows why a call failed on the flash line. */
  failed(what: string, error: unknown): void;
}

/** What a view's rows are built from. */
export interface ViewInput {
  data: ViewData;
  panes: PaneBook;
  hatch: HatchState | null;
  /** Whether the view has the keyboard. */
  active: boolean;
  height: number;
  width: number;
  caps: TerminalCaps;
}

/** What the selection keys dispatch in a view. */
export type MoveAction = DataAction | PaneAction | { type: 'stepSelected'; delta: number };

export interface ViewRecord<N extends string = string> {
  name: N;
  /** What its key does, in the help ("agent panes"). */
  title: string;
  /** The keys that show it from any view; those that are not printable work from the input line too. */
  keys: readonly string[];
  /** Its own keys, and the help's section title for them. */
  bindings?: Bindings<BaseCommand>;
  section?: string;
  /** Asks aiosd for what it shows: when it is shown, on `r`, and on each poll. */
  load?: (ask: ViewAsk) => void;
  /** Loaded again every metrics interval while it is shown (the monitor's samples). */
  poll?: boolean;
  /** Its rows; the plan view has none here (the App draws it from the goals). */
  lines?: (input: ViewInput) => Line[];
  /**
   * What its guarded command keys act on, as a string that changes when that changes on screen
   * (the key guard then turns a key away for a moment, as for a plan that just appeared).
   */
  guardKey?: (data: ViewData) => string;
  /** What ↑/↓ (PgUp/PgDn) do in it. */
  move?: (delta: number, data: ViewData) => MoveAction | null;
}

/** Keeps the record's name as a literal type, from which ViewName is made. */
export const defineView = <const N extends string>(record: ViewRecord<N>): ViewRecord<N> => record;

/** What a view's `load` put for it (its own shape), or null before the first answer. */
export function loadedFor<T>(data: ViewData, view: string): T | null {
  return (data.loaded[view] as T | undefined) ?? null;
}

/** The generic list move: the selection in `view`'s list of `count` items. */
export const selectIn =
  (view: string, count: (data: ViewData) => number) =>
  (delta: number, data: ViewData): MoveAction => ({ type: 'viewSelected', view, delta, count: count(data) });
