// pkg.*: search and inspect packages, and install, remove or upgrade them with apt. Every
// change is previewed by apt-get -s (the exact transaction), snapshotted as the installed set
// with the .debs of what it replaces or removes kept, and rolled back by reinstalling those and
// removing what was added. `root`: the package root they act on (src/tools/package-root.ts);
// policy judges the apt command itself, the chroot around it is where it runs.
import { z } from 'zod';
import { describeChanges, runApt, simulate } from './apt.js';
import { inRoot, NODE_ROOT, rootNote } from './package-root.js';
import { packageName } from './fields.js';
import { fail } from './fs-read-tools.js';
import { runProgram } from './run-program.js';
import { defineTool, type Tool } from './tool.js';

const Packages = z.strictObject({
  packages: z.array(packageName).min(1).max(100).describe('Package names, e.g. ["nginx"]'),
});

const READ = { timeoutMs: 60_000, outputCapBytes: 1024 * 1024 };

export function createPkgTools(root: string = NODE_ROOT): Tool[] {
  const search = defineTool({
    name: 'pkg.search',
    description: 'Search the package index by name and description (apt-cache search).',
    schema: z.strictObject({
      query: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[^-\s][^\s]*$/, 'one search term, not starting with "-"')
        .describe('Search term (a regular expression, like apt-cache)'),
      namesOnly: z.boolean().optional().describe('Match package names only'),
    }),
    capabilities: ['pkg.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    commandLines: (args) => [['apt-cache', 'search', ...(args.namesOnly === true ? ['--names-only'] : []), args.query]],
    preview: (args) => Promise.resolve({ summary: `search packages for ${args.query}` }),
    async execute(args) {
      const r = await runProgram(
        inRoot(root, ['apt-cache', 'search', ...(args.namesOnly === true ? ['--names-only'] : []), '--', args.query]),
        READ,
      );
      if (!r.started) return fail(r.error);
      if (r.exitCode !== 0) return fail(r.stderr.trim() || `apt-cache exited with ${r.exitCode ?? '?'}`);
      const lines = r.stdout.split('\n').filter(Boolean);
      return {
        ok: true,
        output: lines.length === 0 ? 'no packages match' : lines.slice(0, 200).join('\n'),
        data: { count: lines.length },
      };
    },
  });

  const info = defineTool({
    name: 'pkg.info',
    description: 'One package: installed version (if any), candidate version, description, dependencies.',
    schema: z.strictObject({ package: packageName }),
    capabilities: ['pkg.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    commandLines: (args) => [
      ['apt-cache', 'policy', args.package],
      ['apt-cache', 'show', args.package],
    ],
    preview: (args) => Promise.resolve({ summary: `show package ${args.package}` }),
    async execute(args) {
      const policy = await runProgram(inRoot(root, ['apt-cache', 'policy', '--', args.package]), READ);
      const show = await runProgram(inRoot(root, ['apt-cache', 'show', '--no-all-versions', '--', args.package]), READ);
      if (!policy.started) return fail(policy.error);
      if (!show.started || show.exitCode !== 0 || show.stdout.trim() === '')
        return fail(`no package named ${args.package} in the package index`);
      const installed = /Installed: (\S+)/.exec(policy.stdout)?.[1] ?? '(none)';
      const candidate = /Candidate: (\S+)/.exec(policy.stdout)?.[1] ?? '(none)';
      return {
        ok: true,
        output: `${policy.stdout.trim()}\n\n${show.stdout.trim()}`,
        data: { package: args.package, installed, candidate },
      };
    },
  });

  const change = (verb: 'install' | 'remove' | 'upgrade', description: string, risk: 'medium' | 'high') =>
    defineTool({
      name: `pkg.${verb}`,
      description,
      schema:
        verb === 'upgrade'
          ? z.strictObject({
              packages: z
                .array(packageName)
                .max(100)
                .optional()
                .describe('Packages to upgrade (default: every upgradable package)'),
            })
          : Packages,
      capabilities: ['pkg.write'],
      risk,
      reversible: true,
      mutates: true,
      states: (args) => [
        { kind: 'packages', keys: [], transaction: argvFor(verb, (args as { packages?: string[] }).packages) },
      ],
      commandLines: (args) => [argvFor(verb, (args as { packages?: string[] }).packages)],
      async preview(args) {
        const argv = argvFor(verb, (args as { packages?: string[] }).packages);
        const sim = await simulate(argv, root);
        if (!sim.ok) return { summary: `apt cannot ${verb}${rootNote(root)}: ${sim.error}` };
        const n = sim.changes.length;
        const replaced = sim.changes.filter((c) => c.from !== null).length;
        return {
          summary: `${verb}: ${n} package${n === 1 ? '' : 's'} would change${rootNote(root)} (simulated with apt-get -s)`,
          detail:
            `${describeChanges(sim.changes)}\n\nargv: ${JSON.stringify(inRoot(root, argv))}` +
            (replaced > 0
              ? `\nthe installed .debs of the ${replaced} replaced or removed are kept for a rollback`
              : ''),
        };
      },
      async execute(args, ctx) {
        const argv = argvFor(verb, (args as { packages?: string[] }).packages);
        const r = await runApt(
          argv,
          {
            signal: ctx.signal,
            onOutput: ctx.onOutput,
            ...(ctx.onProcess === undefined ? {} : { onProcess: ctx.onProcess }),
            ...(ctx.cgroup === undefined ? {} : { cgroup: ctx.cgroup }),
          },
          root,
        );
        if (!r.started) return fail(r.error);
        if (r.exitCode !== 0)
          return fail(
            `apt-get ${verb} failed (exit ${r.exitCode ?? '?'}): ${
              r.stderr
                .split('\n')
                .filter((l) => /^E:/.test(l))
                .join('; ') || r.stderr.trim().slice(-500)
            }`,
          );
        return { ok: true, output: r.stdout.trim().split('\n').slice(-20).join('\n'), data: { argv } };
      },
    });

  return [
    search,
    info,
    change(
      'install',
      'Install packages and what they depend on (apt-get install). Rolled back by removing what was added.',
      'medium',
    ),
    change(
      'remove',
      'Remove packages (apt-get remove; configuration files are kept). Rolled back by reinstalling the recorded versions from the .debs kept before it ran.',
      'high',
    ),
    change(
      'upgrade',
      'Upgrade some or all packages (apt-get install --only-upgrade, or apt-get upgrade). Rolled back by reinstalling the recorded versions from the .debs kept before it ran.',
      'high',
    ),
  ];
}

export function argvFor(verb: 'install' | 'remove' | 'upgrade', packages: readonly string[] | undefined): string[] {
  const pkgs = packages ?? [];
  switch (verb) {
    case 'install':
      return ['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs];
    case 'remove':
      return ['apt-get', 'remove', '-y', ...pkgs];
    case 'upgrade':
      return pkgs.length === 0 ? ['apt-get', 'upgrade', '-y'] : ['apt-get', 'install', '-y', '--only-upgrade', ...pkgs];
  }
}
