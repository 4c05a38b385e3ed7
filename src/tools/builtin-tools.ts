// The composition of every built-in tool family into one registry.
import { createFsTools } from './fs-tools.js';
import { ToolRegistry } from './registry.js';
import { createSystemTools } from './system-tools.js';

export function createBuiltinRegistry(opts: { timeoutMs: number; outputCapBytes: number }): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of [...createFsTools(opts), ...createSystemTools(opts)]) registry.register(tool);
  return registry;
}
