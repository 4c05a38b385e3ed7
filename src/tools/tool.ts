// What a tool is: one schema (types, validation and the LLM's JSON Schema) plus an invocation.
import type { z } from 'zod';
import type { Risk, StepPreview } from '../protocol/model.js';

/** Capability families a tool needs; agents hold a set of these and the registry checks them. */
export type Capability =
  | 'fs.read' | 'fs.write'
  | 'process.read' | 'process.signal'
  | 'system.read'
  | 'net.read'
  | 'exec';

export interface ToolContext {
  signal: AbortSignal;
  /** Streams output as it is produced (the TUI's live panes read this). */
  onOutput: (chunk: string) => void;
}

/** Tool failures are typed results the planner can read; broken infrastructure throws. */
export type ToolResult =
  | { ok: true; output: string; data?: unknown }
  | { ok: false; output: string; error: string };

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  capabilities: readonly Capability[];
  risk: Risk;
  /** True when a snapshot of `touches` can undo what execute does. */
  reversible: boolean;
  /** False for read-only tools: they need no snapshot and change nothing. */
  mutates: boolean;
  /** Absolute paths execute may change, snapshotted before it runs. */
  touches?: (args: z.infer<S>) => string[];
  /** A dry run: what would happen, exactly. Never changes anything. */
  preview: (args: z.infer<S>) => Promise<StepPreview>;
  execute: (args: z.infer<S>, ctx: ToolContext) => Promise<ToolResult>;
}

/** Lets a registry hold tools of different schemas without `any`. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool {
  return tool as unknown as Tool;
}
