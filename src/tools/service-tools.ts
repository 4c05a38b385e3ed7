// service.*: list and inspect services, and start, stop, restart, enable or disable one,
// through the node's service manager. Changes are snapshotted as service state (running?
// enabled?) and rolled back by the reverse actions.
import { z } from 'zod';
import { unitName } from './fields.js';
import { fail } from './fs-read-tools.js';
import { formatTable } from './format.js';
import type { ServiceAction, ServiceManager } from './service-manager.js';
import { defineTool, type Tool } from './tool.js';

const ACTIONS: Record<ServiceAction, { description: string; reversible: boolean }> = {
  start: { description: 'Start a service now (does not change whether it starts at boot).', reversible: true },
  stop: { description: 'Stop a running service (does not change whether it starts at boot).', reversible: true },
  restart: { description: 'Restart a service. Interrupts it; cannot be undone.', reversible: false },
  enable: { description: 'Make a service start at boot (does not start it now).', reversible: true },
  disable: { description: 'Stop a service from starting at boot (does not stop it now).', reversible: true },
};

export function createServiceTools(manager: ServiceManager): Tool[] {
  const unavailable = (): string | null => manager.unavailable();

  const list = defineTool({
    name: 'service.list',
    description: 'List services with whether each is active.',
    schema: z.strictObject({
      state: z.enum(['all', 'active', 'failed']).optional().describe('Which to show (default all)'),
    }),
    capabilities: ['service.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: unavailable() ?? `list services (${manager.name})` }),
    async execute(args) {
      const why = unavailable();
      if (why !== null) return fail(why);
      const all = await manager.list();
      const shown = all.filter((s) => args.state === undefined || args.state === 'all' || s.active === args.state);
      const output =
        shown.length === 0
          ? 'no services'
          : formatTable(
              ['UNIT', 'ACTIVE', 'DESCRIPTION'],
              shown.map((s) => [s.unit, s.active, s.description]),
            );
      return { ok: true, output, data: { manager: manager.name, services: shown } };
    },
  });

  const status = defineTool({
    name: 'service.status',
    description: 'One service: whether it runs, whether it starts at boot, and its recent log lines.',
    schema: z.strictObject({ unit: unitName }),
    capabilities: ['service.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) => Promise.resolve({ summary: unavailable() ?? `show the status of ${args.unit}` }),
    async execute(args) {
      const why = unavailable();
      if (why !== null) return fail(why);
      try {
        const state = await manager.state(args.unit);
        const detail = await manager.detail(args.unit);
        return {
          ok: true,
          output: `${state.unit}: ${state.active}, ${state.enabled || 'no boot setting'}\n${detail}`,
          data: state,
        };
      } catch (err) {
        return fail((err as Error).message);
      }
    },
  });

  /** What aios-init refuses to do to a service it must keep running (init/control/service-control.ts). */
  const REFUSED_FOR_CRITICAL: ReadonlySet<ServiceAction> = new Set(['stop', 'restart', 'disable']);
  const actions = (Object.keys(ACTIONS) as ServiceAction[]).map((action) =>
    defineTool({
      name: `service.${action}`,
      description: ACTIONS[action].description,
      schema: z.strictObject({ unit: unitName }),
      capabilities: ['service.control'],
      risk: action === 'stop' || action === 'disable' || action === 'restart' ? 'high' : 'medium',
      reversible: ACTIONS[action].reversible,
      mutates: true,
      states: (args) => [{ kind: 'services', keys: [args.unit] }],
      commandLines: (args) => [manager.argvFor(action, args.unit)],
      async preview(args) {
        const why = unavailable();
        if (why !== null) return { summary: `cannot ${action} ${args.unit}: ${why}` };
        const s = await manager.state(args.unit).catch((err: unknown) => err as Error);
        if (s instanceof Error) return { summary: `cannot ${action} ${args.unit}: ${s.message}` };
        // Said before approval: the step would only fail when it runs.
        if (s.keptRunning !== undefined && REFUSED_FOR_CRITICAL.has(action))
          return { summary: `cannot ${action} ${s.unit}: ${manager.name} refuses (${s.keptRunning})` };
        return {
          summary: `${action} ${s.unit} (now ${s.active}${s.enabled === '' ? '' : `, ${s.enabled}`})`,
          detail: `argv: ${JSON.stringify(manager.argvFor(action, args.unit))}`,
        };
      },
      async execute(args) {
        const why = unavailable();
        if (why !== null) return fail(why);
        const r = await manager.act(action, args.unit);
        if (!r.ok) return fail(`${action} ${args.unit} failed: ${r.output}`);
        const after = await manager.state(args.unit).catch(() => null);
        return {
          ok: true,
          output: `${action} ${args.unit}: done${after === null ? '' : ` (now ${after.active}${after.enabled === '' ? '' : `, ${after.enabled}`})`}`,
          data: after,
        };
      },
    }),
  );

  return [list, status, ...actions];
}
