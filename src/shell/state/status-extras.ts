// The parts of status/get the status bar shows beyond health: autonomy, who may open the
// escape hatch, model tiers up or down, budget left, patching; and the key guard's timings. Read loosely:
// a daemon that does not report a part (or reports it in a newer shape) leaves it out, never
// breaks the bar.
import type { ResultOf } from '../../protocol/methods.js';
import type { StatusExtras } from './shell-state.js';

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);

function isUp(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return /^(up|ok|ready|available|online|loaded)$/i.test(v);
  if (isObject(v)) {
    for (const key of ['up', 'available', 'ready', 'ok']) if (typeof v[key] === 'boolean') return v[key];
    for (const key of ['state', 'status', 'health']) if (typeof v[key] === 'string') return isUp(v[key]);
  }
  return null;
}

function tiersOf(raw: unknown): StatusExtras['tiers'] {
  const out: StatusExtras['tiers'] = [];
  if (Array.isArray(raw)) {
    for (const t of raw) {
      const name = isObject(t) ? (t['name'] ?? t['tier']) : null;
      const up = isUp(t);
      if (typeof name === 'string' && up !== null) out.push({ name, up });
    }
  } else if (isObject(raw)) {
    for (const [name, v] of Object.entries(raw)) {
      const up = isUp(v);
      if (up !== null) out.push({ name, up });
    }
  }
  return out.slice(0, 8);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function budgetOf(raw: unknown): StatusExtras['budget'] {
  if (!isObject(raw)) return null;
  const spent = num(raw['spentUsd']) ?? num(raw['spent_usd']) ?? num(raw['spent']);
  const limit = num(raw['limitUsd']) ?? num(raw['limit_usd']) ?? num(raw['limit']) ?? num(raw['dailyUsd']);
  return spent === null ? null : { spentUsd: spent, limitUsd: limit };
}

function guardOf(guardMs: number | null, burstMs: number | null): StatusExtras['guard'] {
  return guardMs === null || burstMs === null || guardMs < 0 || burstMs < 0 ? null : { guardMs, burstMs };
}

/** `patching` ([security] auto_patch) when it is on; off, or not reported, shows nothing. */
function patchingOf(raw: unknown): StatusExtras['patching'] {
  if (!isObject(raw) || typeof raw['mode'] !== 'string' || raw['mode'] === 'off') return null;
  const last = isObject(raw['last']) && typeof raw['last']['outcome'] === 'string' ? raw['last']['outcome'] : null;
  return { mode: raw['mode'], running: raw['running'] === true, last };
}

export function statusExtras(status: ResultOf<'status/get'>): StatusExtras {
  const loose = status as unknown as Loose;
  return {
    autonomy: typeof loose['autonomy'] === 'string' ? loose['autonomy'] : null,
    escapeHatch: typeof loose['escapeHatch'] === 'string' ? loose['escapeHatch'] : null,
    tiers: tiersOf(loose['tiers']),
    budget: budgetOf(loose['budget'] ?? loose['spend']),
    guard: guardOf(num(loose['guardMs']), num(loose['burstMs'])),
    patching: patchingOf(loose['patching']),
  };
}
