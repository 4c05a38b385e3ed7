// What the escape hatch pane shows: the daemon's screen of the user's shell, until it ends.

export interface HatchState {
  /** null while the daemon is opening it. */
  id: string | null;
  rows: string[];
  cursor: { x: number; y: number } | null;
  /** Why it ended, once it has. */
  ended: string | null;
}
