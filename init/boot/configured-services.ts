// The [[init.services]] of config.toml as services for the supervisor. Their output goes
// through aios-init, which keeps the last lines for `service.status` and appends it all to the
// services log. A name that a built-in service already has is skipped, not fatal to the boot;
// so is a service that requires one that does not exist, or one in a cycle of requirements
// (the supervisor would otherwise find either only when it starts the service).
import type { InitConfig } from '../../src/config/init-schema.js';
import type { ServiceSpec } from '../supervisor/service-spec.js';

export function configuredServices(
  init: InitConfig,
  opts: { env: NodeJS.ProcessEnv; output: number | 'ignore'; taken: ReadonlySet<string>; log: (line: string) => void },
): ServiceSpec[] {
  const specs: ServiceSpec[] = [];
  for (const c of init.services) {
    if (opts.taken.has(c.name) || specs.some((s) => s.name === c.name)) {
      opts.log(`[[init.services]] ${c.name}: a service of that name exists already; this one is not run`);
      continue;
    }
    const [program, ...args] = c.argv;
    if (program === undefined) continue;
    specs.push({
      name: c.name,
      description: c.description,
      kind: c.kind,
      argv: [program, ...args],
      requires: c.requires,
      env: opts.env,
      output: opts.output,
      keepOutput: true,
      policy: { restart: c.restart },
    });
  }
  return withRunnableRequirements(specs, opts.taken, opts.log);
}

/**
 * The specs whose requirements all exist and lead to no cycle; each one left out is said, with
 * why. Leaving one out can leave out those that require it, so this repeats until nothing changes.
 */
function withRunnableRequirements(
  specs: ServiceSpec[],
  builtIn: ReadonlySet<string>,
  log: (line: string) => void,
): ServiceSpec[] {
  let kept = specs;
  for (;;) {
    const names = new Set(kept.map((s) => s.name));
    const bad = new Map<string, string>();
    for (const s of kept) {
      const missing = (s.requires ?? []).filter((r) => !names.has(r) && !builtIn.has(r));
      if (missing.length > 0)
        bad.set(
          s.name,
          `it requires ${missing.join(', ')}, which ${missing.length === 1 ? 'is not a service' : 'are not services'} here`,
        );
      else {
        const cycle = cycleFrom(s.name, kept);
        if (cycle !== null) bad.set(s.name, `its requirements go round in a cycle (${cycle.join(' → ')})`);
      }
    }
    if (bad.size === 0) return kept;
    for (const [name, why] of bad) log(`[[init.services]] ${name}: ${why}; this one is not run`);
    kept = kept.filter((s) => !bad.has(s.name));
  }
}

/** The first cycle of requirements reached from `start` among the configured specs, or null. */
function cycleFrom(start: string, specs: readonly ServiceSpec[]): string[] | null {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const walk = (name: string, path: string[]): string[] | null => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    for (const next of byName.get(name)?.requires ?? []) {
      const found = walk(next, [...path, name]);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(start, []);
}
