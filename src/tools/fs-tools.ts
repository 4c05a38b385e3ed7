// The filesystem tool family: fs.read, fs.list, fs.write, fs.delete.
import { createFsReadTools } from './fs-read-tools.js';
import { createFsWriteTools } from './fs-write-tools.js';
import type { Tool } from './tool.js';

export function createFsTools(opts: { outputCapBytes: number }): Tool[] {
  return [...createFsReadTools(opts), ...createFsWriteTools()];
}
