import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import type { StepPreview } from '../../src/protocol/model.js';
import type { ToolContext, ToolResult } from '../../src/tools/tool.js';

export const registry = createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 64 * 1024 });

/** A fresh directory per call, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aios-tools-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

export function context(onOutput: (chunk: string) => void = () => undefined): ToolContext {
  return { signal: new AbortController().signal, onOutput };
}

/** Validates through the registry, as the step runner does, then runs. */
export async function run(name: string, args: unknown): Promise<ToolResult> {
  const v = registry.validate(name, args);
  if (!v.ok) throw new Error(v.error);
  return v.tool.execute(v.args, context());
}

export async function preview(name: string, args: unknown): Promise<StepPreview> {
  const v = registry.validate(name, args);
  if (!v.ok) throw new Error(v.error);
  return v.tool.preview(v.args);
}

/** Narrows a result to success, failing the test with the tool's own error otherwise. */
export function ok(result: ToolResult): Extract<ToolResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result;
}
