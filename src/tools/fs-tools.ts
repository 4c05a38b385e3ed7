// The filesystem tool family: read, list, stat, search, write, delete, chmod, chown, symlink.
import { createFsAttrTools } from './fs-attr-tools.js';
import { createFsInfoTools } from './fs-info-tools.js';
import { createFsReadTools } from './fs-read-tools.js';
import { createFsWriteTools } from './fs-write-tools.js';
import type { Tool } from './tool.js';

export function createFsTools(opts: { outputCapBytes: number; isSecret: (path: string) => boolean }): Tool[] {
  return [...createFsReadTools(opts), ...createFsInfoTools(opts), ...createFsWriteTools(), ...createFsAttrTools()];
}
