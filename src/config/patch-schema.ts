// [security] auto_patch and its window and checks, and [packages] root: the keys for patching a
// node on its own (src/agents/patch). auto_patch takes the seed design's boolean too.
import { z } from 'zod';

/** off: never; security: upgrades from a security archive only; all: every upgrade. */
export const AutoPatch = z
  .union([z.boolean(), z.enum(['off', 'security', 'all'])])
  .transform((v): 'off' | 'security' | 'all' => (v === false ? 'off' : v === true ? 'security' : v));
export type AutoPatchMode = z.output<typeof AutoPatch>;

export const DEFAULT_WINDOW = '02:00-04:00';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "02:00-04:00", local time; the end may be past midnight ("23:00-01:00"). */
export const PatchWindow = z.string().superRefine((text, ctx) => {
  const r = parseWindow(text);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
});

export interface Window {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

export function parseWindow(text: string): Window | string {
  const [a, b, ...rest] = text.split('-').map((s) => s.trim());
  const from = HHMM.exec(a ?? '');
  const to = HHMM.exec(b ?? '');
  if (from === null || to === null || rest.length > 0)
    return `expected a window such as "02:00-04:00" (24-hour local times), got ${JSON.stringify(text)}`;
  const start = Number(from[1]) * 60 + Number(from[2]);
  const end = Number(to[1]) * 60 + Number(to[2]);
  if (start === end) return 'the window is empty: its start and end are the same time';
  return { start, end };
}

/** The [security] keys for patching, spread into that table's schema; optional so configs written before them compare unchanged. */
export const PatchKeys = {
  /** Absent: off. */
  auto_patch: AutoPatch.optional(),
  /** When a run may start; one run per window. Absent: DEFAULT_WINDOW. */
  auto_patch_window: PatchWindow.optional(),
  /**
   * Commands that must exit 0 after the upgrade (run in the package root), besides every service
   * that was active being active again; one that fails rolls the run back.
   */
  auto_patch_checks: z.array(z.string().min(1).max(1000)).max(32).optional(),
};

/** [packages]: where the pkg.* tools and patching act. */
export const PackagesConfig = z.strictObject({
  /**
   * The Debian tree apt and dpkg act on: "/" (the node), or a directory holding one (an image
   * being built, a chroot), entered with chroot(8) for every apt and dpkg command.
   */
  root: z.string().regex(/^\//, 'must be an absolute path').default('/'),
});
export type PackagesConfig = z.output<typeof PackagesConfig>;
