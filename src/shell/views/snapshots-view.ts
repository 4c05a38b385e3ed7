// Snapshots: what was kept before each step that changed a file, what each holds against now.
import { snapshotLines } from '../rows/data-view-lines.js';
import { defineView, type ViewAsk } from './view-record.js';

export function loadSnapshots(ask: ViewAsk): void {
  ask
    .client()
    ?.call('snapshot/list', { limit: 200 })
    .then(
      ({ snapshots }) => ask.put({ type: 'snapshotsLoaded', snapshots }),
      (error: unknown) => ask.failed('cannot list snapshots', error),
    )
    .catch(() => undefined);
}

export const snapshotsView = defineView({
  name: 'snapshots',
  title: 'snapshots',
  keys: ['3', 'f4'],
  section: 'Snapshots',
  bindings: {
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    openItem: ['return', 'd'],
    restoreSnapshot: ['R'],
    refresh: ['r'],
  },
  load: loadSnapshots,
  lines: snapshotLines,
  move: (delta) => ({ type: 'listMoved', list: 'snapshots', delta }),
});
