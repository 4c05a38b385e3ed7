// What crosses the channel between aiosd and a run-as helper: data only (structured clone),
// one request id per tool call, so output, process reports and the result find their step.
import type { StepPreview } from '../protocol/model.js';
import type { PathUse, ToolResult } from '../tools/tool.js';

/** Who the helper becomes: resolved by the daemon through NSS before it starts the helper. */
export interface RunAsIdentity {
  uid: number;
  gid: number;
  /** The account name, for initgroups; null for a uid with no passwd entry (no supplementary groups then). */
  name: string | null;
  home: string;
}

/** What the helper needs to build the same tools the daemon has: plain values, no functions. */
export interface HelperToolOptions {
  timeoutMs: number;
  outputCapBytes: number;
  /** The aios-init control socket (service tools), as the daemon detected it. */
  initSocket: string;
  /** The daemon's AIOS_SERVICE_MANAGER and AIOS_INIT_SOCKET, if set: the helper's environment has neither. */
  serviceEnv: Record<string, string>;
  /** aiOS's own paths: what no search may read (the policy's secret paths). */
  locations: { stateDir: string; configDirs: string[]; secretsFile: string };
  /** The read-only sandbox's settings, as the daemon uses them; null where it cannot run. */
  sandbox: { hide: string[]; cpuSeconds: number } | null;
  /** [packages] root: the tree the pkg.* tools act on, as in the daemon (absent: the node). */
  packagesRoot?: string;
}

export type ToDaemon =
  | { type: 'ready'; uid: number; gid: number; groups: number[] }
  | { type: 'failed'; error: string }
  | { type: 'output'; id: number; chunk: string }
  | { type: 'process'; id: number; pid: number; pgid: number }
  | { type: 'result'; id: number; result: ToolResult }
  | { type: 'preview'; id: number; preview: StepPreview }
  | { type: 'access'; id: number; refusal: string | null }
  /** A file read as the helper's uid (`models pull ./file.gguf`): its size, then its bytes, then the end. */
  | { type: 'file-size'; id: number; size: number }
  | { type: 'chunk'; id: number; data: Uint8Array }
  | { type: 'read-end'; id: number; size: number }
  | { type: 'error'; id: number; error: string };

export type ToHelper =
  | { type: 'init'; options: HelperToolOptions }
  /** sandboxed: in the read-only sandbox; writable: in the write sandbox, only these paths writable. */
  | {
      type: 'execute';
      id: number;
      tool: string;
      args: unknown;
      paths: PathUse[];
      sandboxed: boolean;
      writable?: string[];
    }
  | { type: 'preview'; id: number; tool: string; args: unknown }
  | { type: 'access'; id: number; paths: string[] }
  | { type: 'read'; id: number; path: string }
  | { type: 'abort'; id: number; reason: string };

/** A tool context with wt-brakes' process report: present once that lands in ToolContext, harmless before. */
export interface ProcessReport {
  pid: number;
  pgid: number;
}
