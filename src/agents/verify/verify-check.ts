// What a verification is in terms of the tools that already exist: each kind of check is one
// call of a read-only tool from the registry plus a judgement of its result. No new runners.
import type { VerifySpec } from '../../protocol/verify.js';
import type { ToolResult } from '../../tools/tool.js';

export interface CheckCall {
  tool: string;
  args: Record<string, unknown>;
  /** null when the result is what was expected, else what was seen instead. */
  judge: (result: ToolResult) => string | null;
}

const data = (r: ToolResult): Record<string, unknown> =>
  r.ok && typeof r.data === 'object' && r.data !== null ? (r.data as Record<string, unknown>) : {};
const firstLine = (text: string): string => text.split('\n', 1)[0]?.slice(0, 200) ?? '';
const failure = (r: ToolResult): string | null => (r.ok ? null : r.error);

export function checkCall(spec: VerifySpec): CheckCall {
  switch (spec.check) {
    case 'port':
      return {
        tool: 'net.check_port',
        args: { host: spec.host, port: spec.port, timeoutMs: 1000 },
        judge: (r) => failure(r) ?? (data(r)['open'] === (spec.expect === 'open') ? null : firstLine(r.output)),
      };
    case 'http':
      return {
        tool: 'net.http_request',
        args: { url: spec.url, method: 'GET', timeoutMs: 3000 },
        judge: (r) => {
          const problem = failure(r);
          if (problem !== null) return problem;
          const status = data(r)['status'];
          const statusOk =
            typeof status === 'number' && (spec.status === undefined ? status < 400 : status === spec.status);
          if (!statusOk) return `answered ${firstLine(r.output)}, expected ${spec.status ?? 'a status below 400'}`;
          if (spec.bodyContains !== undefined && !r.output.includes(spec.bodyContains))
            return `the body does not contain ${JSON.stringify(spec.bodyContains)}`;
          return null;
        },
      };
    case 'service':
      return {
        tool: 'service.status',
        args: { unit: spec.unit },
        judge: (r) => {
          const problem = failure(r);
          if (problem !== null) return problem;
          const active = data(r)['active'];
          return (active === 'active') === (spec.expect === 'active') ? null : `${spec.unit} is ${String(active)}`;
        },
      };
    case 'file':
      if (spec.contains !== undefined) {
        const text = spec.contains;
        return {
          tool: 'fs.read',
          args: { path: spec.path },
          judge: (r) =>
            failure(r) ?? (r.output.includes(text) ? null : `${spec.path} does not contain ${JSON.stringify(text)}`),
        };
      }
      return {
        tool: 'fs.stat',
        args: { path: spec.path },
        judge: (r) => ((spec.exists ?? true) === r.ok ? null : r.ok ? `${spec.path} exists` : r.error),
      };
    case 'command':
      return {
        tool: 'shell.exec',
        args: { command: spec.command, timeoutMs: 10_000 },
        judge: (r) => {
          const code = r.ok ? 0 : Number(/exited with status (\d+)/.exec(r.error)?.[1] ?? NaN);
          if (Number.isNaN(code)) return r.ok ? null : r.error;
          if (code !== (spec.exitCode ?? 0)) return `exited with status ${code}, expected ${spec.exitCode ?? 0}`;
          if (spec.outputContains !== undefined && !r.output.includes(spec.outputContains))
            return `the output does not contain ${JSON.stringify(spec.outputContains)}`;
          return null;
        },
      };
  }
}

/** "port 127.0.0.1:8080 open (within 5 s)": the verify line in the plan review and the trace. */
export function describeVerify(spec: VerifySpec): string {
  const within = spec.withinMs === undefined ? '' : ` (within ${spec.withinMs / 1000} s)`;
  switch (spec.check) {
    case 'port':
      return `port ${spec.host}:${spec.port} ${spec.expect}${within}`;
    case 'http':
      return `GET ${spec.url} answers ${spec.status ?? '< 400'}${spec.bodyContains === undefined ? '' : ` containing ${JSON.stringify(spec.bodyContains)}`}${within}`;
    case 'service':
      return `service ${spec.unit} ${spec.expect}${within}`;
    case 'file':
      return `${spec.path} ${spec.exists === false ? 'absent' : 'exists'}${spec.contains === undefined ? '' : ` containing ${JSON.stringify(spec.contains)}`}${within}`;
    case 'command':
      return `\`${spec.command}\` exits ${spec.exitCode ?? 0}${spec.outputContains === undefined ? '' : ` printing ${JSON.stringify(spec.outputContains)}`}${within}`;
  }
}
