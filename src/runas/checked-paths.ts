// The check a tool makes at the moment of use: is the canonical path it resolved one that the
// policy verdict covered? Used in the daemon and, with the verdict's paths sent over, in a
// run-as helper, so the check holds wherever the tool runs.
import type { PathUse, ToolContext } from '../tools/tool.js';

/** Lets a tool refuse a path that resolves somewhere other than where policy looked. */
export function pathGuard(paths: readonly PathUse[]): NonNullable<ToolContext['checkPath']> {
  return (canonical, access) => {
    if (paths.some((p) => p.path === canonical && (p.access === access || p.access === 'write'))) return null;
    const checked =
      paths
        .filter((p) => p.access === access)
        .map((p) => p.path)
        .join(', ') || '(none)';
    return `the path resolves to ${canonical} now, not to what policy checked (${checked}): it changed between check and use; nothing was done`;
  };
}
