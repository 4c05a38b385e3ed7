// The [[init.services]] of config.toml as services for the supervisor. Their output goes
// through aios-init, which keeps the last lines for `service.status` and appends it all to the
// services log. A name that a built-in service already has is skipped, not fatal to the boot.
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
      name: c.name, description: c.description, kind: c.kind, argv: [program, ...args],
      env: opts.env, output: opts.output, keepOutput: true, policy: { restart: c.restart },
    });
  }
  return specs;
}
