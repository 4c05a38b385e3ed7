// The monitor dashboard: gauges and sparklines from metrics/get, sampled only while it is shown.
import { monitorLines } from '../rows/monitor-lines.js';
import { defineView, type ViewAsk } from './view-record.js';

export function loadMetrics(ask: ViewAsk): void {
  const c = ask.connected ? ask.client() : null;
  c?.call('metrics/get', {})
    .then(
      (metrics) => ask.put({ type: 'metricsLoaded', metrics }),
      () => undefined, // the next tick tries again; the chart shows the gap
    )
    .catch(() => undefined);
}

export const monitorView = defineView({
  name: 'monitor',
  title: 'monitor dashboard',
  keys: ['6', 'f7'],
  section: 'Monitor',
  bindings: { refresh: ['r'] },
  load: loadMetrics,
  poll: true,
  lines: (p) => monitorLines({ metrics: p.data.metrics, height: p.height, width: p.width, caps: p.caps }),
});
