// Agent panes: each agent's output, one pane at a time or zoomed, searchable.
import { paneLines } from '../rows/pane-lines.js';
import { defineView } from './view-record.js';

export const agentsView = defineView({
  name: 'agents',
  title: 'agent panes',
  keys: ['2', 'f3'],
  section: 'Agent panes',
  bindings: {
    panePrev: ['left', 'h', 'shift+tab'],
    paneNext: ['right', 'l'],
    paneZoom: ['z', 'return'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    pagePrev: ['pageup', 'b'],
    pageNext: ['pagedown', ' '],
    scrollTop: ['g', 'home'],
    scrollBottom: ['G', 'end'],
    search: ['/'],
    searchNext: ['n'],
    searchPrev: ['N'],
  },
  lines: (p) => paneLines({ panes: p.panes, active: p.active, height: p.height, width: p.width, caps: p.caps }),
  // Down is newer: the pane scrolls the other way from a list.
  move: (delta) => ({ type: 'paneScrolled', by: -delta }),
});
