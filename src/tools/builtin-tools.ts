// The composition of every built-in tool family into one registry.
import { createFirewallTools } from './firewall.js';
import { createFsTools } from './fs-tools.js';
import { createHwTools } from './hw-tools.js';
import { createMonitorTools } from './monitor-tools.js';
import { createNetTools } from './net-tools.js';
import { createPkgTools } from './pkg-tools.js';
import { createProcessTools } from './process-tools.js';
import { ToolRegistry } from './registry.js';
import { createSecTools } from './sec-tools.js';
import { detectServiceManager, type ServiceManager } from './service-manager.js';
import { createServiceTools } from './service-tools.js';
import { createSystemTools, memoryUsage } from './system-tools.js';

export interface BuiltinToolOptions {
  timeoutMs: number;
  outputCapBytes: number;
  /** Who supervises services here (systemd, aios-init, or nobody); detected when omitted. */
  serviceManager?: ServiceManager;
  /** Files whose content no search may read (the policy's secret paths). */
  isSecret?: (path: string) => boolean;
  /** The tree the pkg.* tools act on ([packages] root); the node ("/") when omitted. */
  packagesRoot?: string;
}

export function createBuiltinRegistry(opts: BuiltinToolOptions): ToolRegistry {
  const registry = new ToolRegistry();
  const isSecret = opts.isSecret ?? (() => false);
  const tools = [
    ...createFsTools({ outputCapBytes: opts.outputCapBytes, isSecret }),
    ...createProcessTools(),
    ...createServiceTools(opts.serviceManager ?? detectServiceManager()),
    ...createPkgTools(opts.packagesRoot),
    ...createNetTools(),
    ...createFirewallTools(),
    ...createSecTools(),
    ...createHwTools(memoryUsage),
    ...createMonitorTools(),
    ...createSystemTools(opts),
  ];
  for (const tool of tools) registry.register(tool);
  return registry;
}
