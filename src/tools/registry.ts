// The tools a daemon offers, by name: validation that an LLM can learn from, the capability
// check, and the JSON Schemas the planner is shown.
import { z } from 'zod';
import type { Risk } from '../protocol/model.js';
import type { Capability, Tool } from './tool.js';

export type Validation = { ok: true; tool: Tool; args: unknown } | { ok: false; error: string };

export interface ToolDescription {
  name: string;
  description: string;
  risk: Risk;
  reversible: boolean;
  mutates: boolean;
  capabilities: Capability[];
  inputSchema: object;
}

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();
  /**
   * describe()'s answer, made once: turning every zod schema into JSON Schema took 6 to 37 ms,
   * and a local plan asks twice before its request reaches the model (its time to first token).
   */
  private described: readonly ToolDescription[] | null = null;

  register(tool: Tool): void {
    if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is already registered`);
    this.tools.set(tool.name, tool);
    this.described = null;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** On success `args` is the parsed form (paths normalised, defaults applied): run that. */
  validate(name: string, args: unknown): Validation {
    const tool = this.tools.get(name);
    if (tool === undefined) {
      const known = this.list()
        .map((t) => t.name)
        .join(', ');
      return { ok: false, error: `unknown tool "${name}"; known tools: ${known}` };
    }
    const parsed = tool.schema.safeParse(args);
    if (parsed.success) return { ok: true, tool, args: parsed.data };
    return { ok: false, error: parsed.error.issues.map((issue) => formatIssue(name, issue)).join('; ') };
  }

  missingCapabilities(tool: Tool, granted: readonly Capability[]): Capability[] {
    return tool.capabilities.filter((c) => !granted.includes(c));
  }

  /**
   * A new array each time; the descriptions in it are shared by every caller, and so frozen.
   * Without `all`, what planners are shown: a tool aiOS plans only itself (plannedBy: 'aios') is left out.
   */
  describe(opts: { all?: boolean } = {}): ToolDescription[] {
    if (opts.all !== true) {
      const own = new Set(this.list().flatMap((t) => (t.plannedBy === 'aios' ? [t.name] : [])));
      return this.describe({ all: true }).filter((d) => !own.has(d.name));
    }
    this.described ??= this.list().map((tool) =>
      deepFreeze({
        name: tool.name,
        description: tool.description,
        risk: tool.risk,
        reversible: tool.reversible,
        mutates: tool.mutates,
        capabilities: [...tool.capabilities],
        // The model writes the input side; transforms (path normalising) happen after it.
        inputSchema: z.toJSONSchema(tool.schema, { io: 'input', unrepresentable: 'any' }),
      }),
    );
    return [...this.described];
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `fs.write: content: expected string, received undefined`: where, then what. */
function formatIssue(tool: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.length === 0 ? '(arguments)' : issue.path.map(String).join('.');
  const what = issue.message.replace(/^Invalid input: /, '');
  return `${tool}: ${where}: ${what}`;
}
