// What a tool is: one schema (types, validation and the LLM's JSON Schema) plus an invocation,
// and a declaration of what it touches, which the policy engine judges and the snapshot covers.
import type { z } from 'zod';
import type { Risk, StepPreview } from '../protocol/model.js';

/** Capability families a tool needs; agents hold a set of these and the policy checks them. */
export type Capability =
  | 'fs.read'
  | 'fs.write'
  | 'fs.admin'
  | 'process.read'
  | 'process.signal'
  | 'system.read'
  | 'service.read'
  | 'service.control'
  | 'pkg.read'
  | 'pkg.write'
  | 'net.read'
  | 'net.connect'
  | 'net.admin'
  | 'sec.read'
  | 'exec';

/** A path a tool reads or changes: canonicalised and checked against protected paths by policy. */
export interface PathUse {
  path: string;
  access: 'read' | 'write';
  /** A directory whose whole tree is changed (shell.exec's writeDirs): snapshotted whole, and judged with what is inside it. */
  tree?: true;
}

/** How a tree travels in a list of writable paths (the sandbox's, a helper's message): with a trailing slash, which no normalised path has. */
export const treeMark = (path: string): string => `${path.replace(/\/+$/, '')}/`;
export const isTreeMark = (path: string): boolean => path.length > 1 && path.endsWith('/');

/** Machine state beyond files that a step changes: snapshotted before it runs, restored on rollback. */
export interface StateUse {
  kind: 'packages' | 'services' | 'firewall';
  /** Which units (services) or packages; empty means all of that kind. */
  keys: string[];
  /** packages: the apt argv the step runs; the installed .deb of every package it replaces or removes is kept. */
  transaction?: string[];
}

export interface ToolContext {
  signal: AbortSignal;
  /** Streams output as it is produced (the TUI's live panes read this). */
  onOutput: (chunk: string) => void;
  /**
   * Asks whether the canonical path a tool resolved at the moment of use is one the approved
   * policy verdict covered; a reason to refuse, or null. Closes the gap between check and use.
   */
  checkPath?: (canonical: string, access: PathUse['access']) => string | null;
  /** Set for commands that only read: wraps a program's argv so it runs inside the sandbox. */
  sandbox?: (argv: readonly string[]) => string[];
  /**
   * Told of every program the tool starts, right after it is spawned: the daemon journals it
   * and ends its whole tree (by pid, group and cgroup) when the step is stopped, whoever spawned it.
   */
  onProcess?: (p: { pid: number; pgid: number }) => void;
  /** The step's cgroup v2 directory, where the node has one: programs start inside it. */
  cgroup?: string;
}

/** Something about one call that policy must weigh: it needs an admin, an explicit confirmation, or is refused. */
export interface Hazard {
  level: 'admin' | 'confirm' | 'deny';
  why: string;
}

/** Tool failures are typed results the planner can read; broken infrastructure throws. */
export type ToolResult = { ok: true; output: string; data?: unknown } | { ok: false; output: string; error: string };

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  capabilities: readonly Capability[];
  risk: Risk;
  /** True when a snapshot of what it touches can undo what execute does. */
  reversible: boolean;
  /** False for read-only tools: they need no snapshot and change nothing. */
  mutates: boolean;
  /** Every path it reads or writes; written paths are snapshotted before it runs. */
  paths?: (args: z.infer<S>) => PathUse[];
  /** Non-file state it changes (packages, services, the firewall), snapshotted before it runs. */
  states?: (args: z.infer<S>) => StateUse[];
  /** The exact argv of each program it will run: matched against the command rules too. */
  commandLines?: (args: z.infer<S>) => string[][];
  /** A shell command line it runs: parsed, and every command in it judged (shell.exec). */
  shellCommand?: (args: z.infer<S>) => string;
  /** What about these particular arguments needs more than the tool's usual approval. */
  hazards?: (args: z.infer<S>) => Hazard[];
  /** A dry run: what would happen, exactly. Never changes anything. */
  preview: (args: z.infer<S>) => Promise<StepPreview>;
  execute: (args: z.infer<S>, ctx: ToolContext) => Promise<ToolResult>;
}

/** Lets a registry hold tools of different schemas without `any`. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool {
  return tool as unknown as Tool;
}

/** The paths a step writes: what its snapshot covers. */
export function writtenPaths(tool: Tool, args: unknown): string[] {
  return (tool.paths?.(args) ?? []).filter((p) => p.access === 'write').map((p) => p.path);
}
