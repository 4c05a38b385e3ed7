// apt and dpkg: the installed set (name → version), a simulated transaction (apt-get -s), and
// putting a recorded set back. Mirrors drop superseded versions, so before a transaction
// replaces or removes a package its installed .deb is kept with the snapshot (see keptDebs), and
// a rollback reinstalls from that file rather than hope the old version is still downloadable.
// Everything acts on a package root: "/" for the node, or a chroot ([packages] root).
import { runProgram, type RunOptions, type RunResult } from './run-program.js';
import type { StateProvider, StateRestoreReport } from '../recovery/state-provider.js';
import { keepInstalledDebs, type KeptDebs } from './kept-debs.js';
import { existsSync } from 'node:fs';
import { hostPath, inRoot } from './package-root.js';
import type { StateUse } from './tool.js';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none' };
const LONG = { timeoutMs: 30 * 60_000, outputCapBytes: 1024 * 1024, env: APT_ENV };
const SHORT = { timeoutMs: 120_000, outputCapBytes: 8 * 1024 * 1024, env: APT_ENV };

export type PackageSet = Record<string, { version: string; status: string }>;

export interface SimulatedChange {
  action: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove';
  name: string;
  from: string | null;
  to: string | null;
  /** Where the new version comes from, as apt-get -s names its releases ("Debian-Security:12/stable-security"). */
  origin?: string;
}

export function aptAvailable(): Promise<boolean> {
  return runProgram(['dpkg-query', '--version'], SHORT).then((r) => r.started && r.exitCode === 0);
}

/** `step`: the step's signal, output, process reports and cgroup, when a step runs it. */
export function runApt(
  argv: string[],
  step: Pick<RunOptions, 'signal' | 'onOutput' | 'onProcess' | 'cgroup'> = {},
  root = '/',
): Promise<RunResult> {
  return runProgram(inRoot(root, argv), { ...LONG, ...step });
}

/** A short apt or dpkg query in the package root. */
export function queryApt(argv: string[], root = '/'): Promise<RunResult> {
  return runProgram(inRoot(root, argv), SHORT);
}

/** Every package dpkg knows as installed (or half-installed), with its version and status letters. */
export async function installedPackages(root = '/'): Promise<PackageSet> {
  const r = await queryApt(['dpkg-query', '-W', '-f', '${binary:Package}\\t${Version}\\t${db:Status-Abbrev}\\n'], root);
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
    const inst = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+)(?: ([^)]*?))?(?: \[[^\]]*\])?\)/.exec(line);
    if (inst?.[1] !== undefined) {
      const from = inst[2] ?? null;
      const to = inst[3] ?? null;
      changes.push({
        action: from === null ? 'install' : from === to ? 'reinstall' : 'upgrade',
        name: inst[1],
        from,
        to,
        ...(inst[4] === undefined ? {} : { origin: inst[4] }),
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
  root = '/',
): Promise<{ ok: true; changes: SimulatedChange[] } | { ok: false; error: string }> {
  const r = await queryApt(['apt-get', '-s', ...argv.slice(1)], root);
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

/** What a packages snapshot holds: the installed set, and the .debs kept for what the step replaces or removes. */
interface SavedPackages {
  format: 'aios.packages/2';
  installed: PackageSet;
  kept: KeptDebs;
}

const FORMAT = 'aios.packages/2';

/** Snapshots written before .debs were kept hold the bare installed set. */
function readSaved(saved: unknown): SavedPackages {
  const s = saved as Partial<SavedPackages> & PackageSet;
  if ((s.format as unknown) === FORMAT) return s as SavedPackages;
  return { format: FORMAT, installed: saved as PackageSet, kept: {} };
}

/**
 * The installed set for snapshots; restore removes what was added and reinstalls recorded
 * versions, from the kept .deb where there is one. `root`: the package root (see package-root.ts).
 */
export class PackageStateProvider implements StateProvider {
  readonly kind = 'packages' as const;

  constructor(private readonly root = '/') {}

  /** With the step's transaction: the installed .deb of every package it replaces or removes is kept too. */
  async capture(_keys: readonly string[], use?: StateUse): Promise<SavedPackages> {
    const installed = await installedPackages(this.root);
    if (use?.transaction === undefined) return { format: FORMAT, installed, kept: {} };
    const sim = await simulate(use.transaction, this.root);
    if (!sim.ok) throw new Error(`apt cannot simulate the transaction to see what it replaces: ${sim.error}`);
    const replaced = sim.changes.flatMap((c) => {
      const now = installed[c.name];
      return c.action !== 'install' && now !== undefined && now.status[1] === 'i'
        ? [{ name: c.name, version: now.version }]
        : [];
    });
    return { format: FORMAT, installed, kept: await keepInstalledDebs(this.root, replaced) };
  }

  /** The kept .debs, as the node sees them: the snapshot records their content. */
  keepFiles(saved: unknown): string[] {
    return Object.values(readSaved(saved).kept).map((k) => hostPath(this.root, k.path));
  }

  async preview(saved: unknown): Promise<string[]> {
    const { installed: want, kept } = readSaved(saved);
    const now = await installedPackages(this.root);
    const added = Object.keys(now).filter((n) => want[n] === undefined);
    const changed = Object.keys(want).filter((n) => want[n]?.status[1] === 'i' && now[n]?.version !== want[n]?.version);
    return [
      ...(added.length > 0 ? [`remove ${added.join(', ')}`] : []),
      ...(changed.length > 0
        ? [
            `reinstall ${changed
              .map(
                (n) =>
                  `${n}=${want[n]?.version ?? ''}${kept[n]?.version === want[n]?.version ? ' (from the kept .deb)' : ''}`,
              )
              .join(', ')}`,
          ]
        : []),
    ];
  }

  async restore(saved: unknown): Promise<StateRestoreReport> {
    const { installed: want, kept } = readSaved(saved);
    const root = this.root;
    const now = await installedPackages(root);
    const report: StateRestoreReport = { ok: true, actions: [], problems: [] };
    const added = Object.keys(now).filter((n) => want[n] === undefined);
    const changed = Object.keys(want).filter((n) => want[n]?.status[1] === 'i' && now[n]?.version !== want[n]?.version);
    if (added.length > 0) {
      const r = await runApt(['apt-get', 'purge', '-y', ...added], {}, root);
      if (r.started && r.exitCode === 0) report.actions.push(`removed ${added.join(', ')}`);
      else report.problems.push(`could not remove ${added.join(', ')}: ${aptError(r)}`);
    }
    // The snapshot's files were restored first: each kept .deb is back at its path.
    const fromDeb = changed.filter(
      (n) => kept[n] !== undefined && kept[n].version === want[n]?.version && existsSync(hostPath(root, kept[n].path)),
    );
    const fromSources = changed.filter((n) => !fromDeb.includes(n));
    if (fromDeb.length > 0) {
      const files = fromDeb.map((n) => kept[n]?.path ?? '');
      const r = await runApt(
        ['apt-get', 'install', '-y', '--allow-downgrades', '--no-install-recommends', ...files],
        {},
        root,
      );
      const specs = fromDeb.map((n) => `${n}=${want[n]?.version ?? ''}`).join(', ');
      if (r.started && r.exitCode === 0) report.actions.push(`reinstalled ${specs} from the kept .debs`);
      else report.problems.push(`could not reinstall ${specs} from the kept .debs: ${aptError(r)}`);
    }
    if (fromSources.length > 0) {
      const specs = fromSources.map((n) => `${n}=${want[n]?.version ?? ''}`);
      const r = await runApt(
        ['apt-get', 'install', '-y', '--allow-downgrades', '--no-install-recommends', ...specs],
        {},
        root,
      );
      if (r.started && r.exitCode === 0) {
        report.actions.push(`reinstalled ${specs.join(', ')}`);
      } else {
        report.problems.push(
          `could not reinstall the recorded versions ${specs.join(', ')}: ${aptError(r)}; ` +
            'no .deb was kept for them (the snapshot predates kept .debs) and exact old versions can only come from the configured package sources (none reachable offline, and mirrors drop old versions): ' +
            'restore them from a local .deb or a snapshot mirror',
        );
      }
    }
    const after = await installedPackages(root);
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
