// apt and dpkg: the installed set (name → version), a simulated transaction (apt-get -s), and
// putting a recorded set back. Exact old versions may no longer be downloadable (offline, or
// gone from the mirror): the restore says so by name rather than claim success.
import { runProgram, type RunOptions, type RunResult } from './run-program.js';
import type { StateProvider, StateRestoreReport } from './state-provider.js';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none' };
const LONG = { timeoutMs: 30 * 60_000, outputCapBytes: 1024 * 1024, env: APT_ENV };
const SHORT = { timeoutMs: 120_000, outputCapBytes: 8 * 1024 * 1024, env: APT_ENV };

export type PackageSet = Record<string, { version: string; status: string }>;

export interface SimulatedChange {
  action: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove';
  name: string;
  from: string | null;
  to: string | null;
}

export function aptAvailable(): Promise<boolean> {
  return runProgram(['dpkg-query', '--version'], SHORT).then((r) => r.started && r.exitCode === 0);
}

/** `step`: the step's signal, output, process reports and cgroup, when a step runs it. */
export function runApt(
  argv: string[],
  step: Pick<RunOptions, 'signal' | 'onOutput' | 'onProcess' | 'cgroup'> = {},
): Promise<RunResult> {
  return runProgram(argv, { ...LONG, ...step });
}

/** Every package dpkg knows as installed (or half-installed), with its version and status letters. */
export async function installedPackages(): Promise<PackageSet> {
  const r = await runProgram(
    ['dpkg-query', '-W', '-f', '${binary:Package}\\t${Version}\\t${db:Status-Abbrev}\\n'],
    SHORT,
  );
  if (!r.started) throw new Error(r.error);
  if (r.exitCode !== 0) throw new Error(`dpkg-query failed: ${r.stderr.trim()}`);
  const out: PackageSet = {};
  for (const line of r.stdout.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name === undefined || version === undefined || status === undefined) continue;
    // Second letter: i installed, c config-files only, n not installed; others are half-done states.
    if (status[1] === 'n' || status[1] === undefined) continue;
    out[name.replace(/:(amd64|all)$/, '')] = { version, status: status.trim() };
  }
  return out;
}

/** Lines of `apt-get -s`: Inst name [old] (new …), Remv name [old]. */
export function parseSimulation(text: string): SimulatedChange[] {
  const changes: SimulatedChange[] = [];
  for (const line of text.split('\n')) {
    const inst = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+)/.exec(line);
    if (inst?.[1] !== undefined) {
      const from = inst[2] ?? null;
      const to = inst[3] ?? null;
      changes.push({
        action: from === null ? 'install' : from === to ? 'reinstall' : 'upgrade',
        name: inst[1],
        from,
        to,
      });
      continue;
    }
    const remv = /^Remv (\S+)(?: \[([^\]]+)\])?/.exec(line);
    if (remv?.[1] !== undefined) changes.push({ action: 'remove', name: remv[1], from: remv[2] ?? null, to: null });
  }
  return changes;
}

export function describeChanges(changes: readonly SimulatedChange[]): string {
  if (changes.length === 0) return 'no packages would change';
  return changes
    .map((c) => {
      switch (c.action) {
        case 'install':
          return `install ${c.name} ${c.to ?? ''}`.trim();
        case 'remove':
          return `remove ${c.name} ${c.from ?? ''}`.trim();
        default:
          return `${c.action} ${c.name} ${c.from ?? '?'} → ${c.to ?? '?'}`;
      }
    })
    .join('\n');
}

/** The transaction apt would carry out, without carrying it out. */
export async function simulate(
  argv: readonly string[],
): Promise<{ ok: true; changes: SimulatedChange[] } | { ok: false; error: string }> {
  const r = await runProgram(['apt-get', '-s', ...argv.slice(1)], SHORT);
  if (!r.started) return { ok: false, error: r.error };
  if (r.exitCode !== 0)
    return {
      ok: false,
      error:
        (r.stderr || r.stdout)
          .trim()
          .split('\n')
          .filter((l) => /^E:/.test(l))
          .join('; ') || `apt-get -s exited with ${r.exitCode ?? '?'}`,
    };
  return { ok: true, changes: parseSimulation(r.stdout) };
}

/** The installed set for snapshots; restore removes what was added and reinstalls recorded versions. */
export class PackageStateProvider implements StateProvider {
  readonly kind = 'packages' as const;

  async capture(): Promise<PackageSet> {
    return installedPackages();
  }

  async preview(saved: unknown): Promise<string[]> {
    const want = saved as PackageSet;
    const now = await installedPackages();
    const added = Object.keys(now).filter((n) => want[n] === undefined);
    const changed = Object.keys(want).filter((n) => want[n]?.status[1] === 'i' && now[n]?.version !== want[n]?.version);
    return [
      ...(added.length > 0 ? [`remove ${added.join(', ')}`] : []),
      ...(changed.length > 0 ? [`reinstall ${changed.map((n) => `${n}=${want[n]?.version ?? ''}`).join(', ')}`] : []),
    ];
  }

  async restore(saved: unknown): Promise<StateRestoreReport> {
    const want = saved as PackageSet;
    const now = await installedPackages();
    const report: StateRestoreReport = { ok: true, actions: [], problems: [] };
    const added = Object.keys(now).filter((n) => want[n] === undefined);
    const changed = Object.keys(want).filter((n) => want[n]?.status[1] === 'i' && now[n]?.version !== want[n]?.version);
    if (added.length > 0) {
      const r = await runApt(['apt-get', 'purge', '-y', ...added]);
      if (r.started && r.exitCode === 0) report.actions.push(`removed ${added.join(', ')}`);
      else report.problems.push(`could not remove ${added.join(', ')}: ${aptError(r)}`);
    }
    if (changed.length > 0) {
      const specs = changed.map((n) => `${n}=${want[n]?.version ?? ''}`);
      const r = await runApt(['apt-get', 'install', '-y', '--allow-downgrades', '--no-install-recommends', ...specs]);
      if (r.started && r.exitCode === 0) {
        report.actions.push(`reinstalled ${specs.join(', ')}`);
      } else {
        report.problems.push(
          `could not reinstall the recorded versions ${specs.join(', ')}: ${aptError(r)}; ` +
            'exact old versions can only come from the configured package sources (none reachable offline, and mirrors drop old versions): ' +
            'restore them from a local .deb or a snapshot mirror',
        );
      }
    }
    const after = await installedPackages();
    const still = [
      ...added.filter((n) => after[n] !== undefined),
      ...changed.filter((n) => after[n]?.version !== want[n]?.version),
    ];
    report.ok = report.problems.length === 0 && still.length === 0;
    if (still.length > 0 && report.problems.length === 0)
      report.problems.push(`still different after the restore: ${still.join(', ')}`);
    return report;
  }
}

function aptError(r: RunResult): string {
  if (!r.started) return r.error;
  const errors = (r.stderr + '\n' + r.stdout).split('\n').filter((l) => /^E:/.test(l));
  return errors.length > 0 ? errors.join('; ') : `exit status ${r.exitCode ?? '?'}`;
}
