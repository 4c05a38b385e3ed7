// Memory: search what aiOS remembers (past goals, learnt procedures, events).
import { memoryLines } from '../rows/data-view-lines.js';
import { defineView } from './view-record.js';

export const memoryView = defineView({
  name: 'memory',
  title: 'memory search',
  keys: ['5', 'f6'],
  section: 'Memory',
  bindings: {
    search: ['/', 's', 'return'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
  },
  lines: memoryLines,
  move: (delta) => ({ type: 'listMoved', list: 'memory', delta }),
});
