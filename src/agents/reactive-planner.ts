// The reactive tier: deterministic intent rules for everyday goals. No model, no guess:
// a goal that matches no rule is answered "not understood", never approximated.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PlanStepSpec, Risk } from '../protocol/model.js';
import type { VerifySpec } from '../protocol/verify.js';
import type { PlanOutcome, PlanRequest, Planner } from './planner.js';
import { TOKEN, contentOf, looksLikePath, resolveUserPath } from './goal-text.js';

interface StepDraft {
  agent: string;
  tool: string;
  args: Record<string, unknown>;
  rationale: string;
  risk: Risk;
  reversible: boolean;
  verify?: VerifySpec;
}
type RuleResult = StepDraft | { refuse: string } | null;

interface Rule {
  name: string;
  /** Shown in the README and in `aios goal --help`: what phrasing it understands. */
  examples: string[];
  match: (text: string, req: PlanRequest) => RuleResult | Promise<RuleResult>;
}

const FILE = String.raw`(?:the\s+|a\s+|an\s+)?(?:new\s+)?(?:text\s+)?file\s+(?:called\s+|named\s+)?`;
const re = (source: string): RegExp => new RegExp(`^${source}$`, 'is');

const write = (path: string, content: string, why: string): StepDraft => ({
  agent: 'storage',
  tool: 'fs.write',
  args: { path, content },
  rationale: why,
  risk: 'medium',
  reversible: true,
});
const read = (path: string): StepDraft => ({
  agent: 'storage',
  tool: 'fs.read',
  args: { path },
  rationale: `show the contents of ${path}`,
  risk: 'low',
  reversible: false,
});

export const rules: readonly Rule[] = [
  {
    name: 'shell command',
    examples: ['!uptime', '!ls -l /etc'],
    match: (_t, req) => {
      // From the text as typed: the trailing ? or ! other rules ignore may be part of the command.
      const m = /^\s*!\s*(.+?)\s*$/s.exec(req.text);
      if (!m?.[1]) return null;
      // The line goes to shell.exec as typed; policy parses it and judges every command in it.
      return {
        agent: 'system',
        tool: 'shell.exec',
        args: { command: m[1] },
        rationale: 'run the command exactly as typed',
        risk: 'high',
        reversible: false,
      };
    },
  },
  {
    name: 'create or write a file',
    examples: [
      'create a file notes.txt containing hello',
      'write "hello world" to /tmp/x.txt',
      'create an empty file todo.md',
    ],
    match: (t, req) => {
      let m = re(
        String.raw`(?:please\s+)?(?:create|make|write|add)\s+${FILE}(${TOKEN})\s+(?:containing|that\s+contains|with\s+(?:the\s+)?(?:content|contents|text)|with|saying)\s*:?\s+(.+)`,
      ).exec(t);
      if (m?.[1] && m[2] !== undefined) {
        const path = resolveUserPath(m[1], req.home);
        return write(path, contentOf(m[2]), `write the requested content to ${path}`);
      }
      m = re(
        String.raw`(?:please\s+)?(?:write|put|save|store)\s+(.+?)\s+(?:to|into|in)\s+(?:the\s+|a\s+)?(?:new\s+)?(?:file\s+)?(?:called\s+|named\s+)?(${TOKEN})`,
      ).exec(t);
      if (m?.[1] && m[2]) {
        const path = resolveUserPath(m[2], req.home);
        return write(path, contentOf(m[1]), `write the requested content to ${path}`);
      }
      m = re(
        String.raw`(?:please\s+)?(?:create|make|touch)\s+(?:an?\s+)?(?:empty\s+)?(?:file\s+)?(?:called\s+|named\s+)?(${TOKEN})`,
      ).exec(t);
      if (m?.[1] && (looksLikePath(m[1]) || /\bfile\b/i.test(t))) {
        const path = resolveUserPath(m[1], req.home);
        return write(path, '', `create the empty file ${path}`);
      }
      return null;
    },
  },
  {
    name: 'append to a file',
    examples: ['append "one more line" to notes.txt'],
    match: async (t, req) => {
      const m = re(
        String.raw`(?:please\s+)?(?:append|add)\s+(.+?)\s+to\s+(?:the\s+)?(?:end\s+of\s+)?(?:file\s+)?(${TOKEN})`,
      ).exec(t);
      if (!m?.[1] || !m[2] || !looksLikePath(m[2])) return null;
      const path = resolveUserPath(m[2], req.home);
      let before: Buffer | null;
      try {
        before = await readFile(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT')
          return { refuse: `cannot append to ${path}: it cannot be read (${code ?? String(error)})` };
        before = null;
      }
      const text = before?.toString('utf8') ?? '';
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      // The new content is computed now: the write must fail if the file changes before it runs.
      const ifMatch = before === null ? 'absent' : createHash('sha256').update(before).digest('hex');
      const step = write(path, text + sep + contentOf(m[1]), `append the requested line to ${path}`);
      return { ...step, args: { ...step.args, ifMatch } };
    },
  },
  {
    name: 'disk usage',
    examples: ['disk usage', 'how much disk space is left on /var', 'df'],
    match: (t, req) => {
      if (
        !/^(?:df(?:\s+-h)?)$/i.test(t) &&
        !(
          /\b(?:disk|storage|file\s*systems?|partitions?)\b/i.test(t) &&
          /\b(?:usage|space|free|used|full|left|use|usage)\b/i.test(t)
        )
      )
        return null;
      const on = /\b(?:on|of|for|in)\s+(\/\S*|~\S*)/i.exec(t);
      const args: Record<string, unknown> = on?.[1] ? { path: resolveUserPath(on[1], req.home) } : {};
      return {
        agent: 'monitor',
        tool: 'disk.usage',
        args,
        rationale: 'measure used and free space per filesystem',
        risk: 'low',
        reversible: false,
      };
    },
  },
  {
    name: 'list processes',
    examples: ['list processes', 'what is running', 'which processes use the most memory', 'ps'],
    match: (t) => {
      const about =
        /\b(?:processes|procs|programs\s+running)\b/i.test(t) ||
        /^ps(?:\s+aux|\s+-ef)?$/i.test(t) ||
        /^what(?:'s|\s+is)\s+running$/i.test(t) ||
        /^top$/i.test(t);
      if (!about) return null;
      const sortBy = /\b(?:memory|ram|mem)\b/i.test(t) ? 'memory' : 'cpu';
      return {
        agent: 'system',
        tool: 'process.list',
        args: { sortBy },
        rationale: `list processes by ${sortBy}`,
        risk: 'low',
        reversible: false,
      };
    },
  },
  {
    name: 'memory usage',
    examples: ['memory usage', 'how much RAM is free', 'free -h'],
    match: (t) => {
      if (
        !/^free(?:\s+-[hmg])?$/i.test(t) &&
        !(
          /\b(?:memory|ram|mem|swap)\b/i.test(t) &&
          /\b(?:usage|used|free|available|left|much|use|show|status)\b/i.test(t)
        )
      )
        return null;
      return {
        agent: 'monitor',
        tool: 'memory.usage',
        args: {},
        rationale: 'read memory and swap figures from the kernel',
        risk: 'low',
        reversible: false,
      };
    },
  },
  {
    name: 'what is listening on a port',
    examples: ['what is listening on port 22', 'is anything using port 8080', 'list listening ports'],
    match: (t) => {
      const port = /\bport\s+(\d{1,5})\b/i.exec(t);
      if (port?.[1] && /\b(?:listen\w*|open|using|uses|bound|on|who|what|which)\b/i.test(t)) {
        const n = Number(port[1]);
        if (n < 1 || n > 65535) return { refuse: `port ${n} is out of range (1-65535).` };
        return {
          agent: 'network',
          tool: 'net.listening',
          args: { port: n },
          rationale: `find sockets listening on port ${n}`,
          risk: 'low',
          reversible: false,
        };
      }
      if (/\b(?:listening|open)\s+(?:ports|sockets)\b|\bports?\s+(?:are\s+)?(?:open|listening)\b/i.test(t)) {
        return {
          agent: 'network',
          tool: 'net.listening',
          args: {},
          rationale: 'list listening sockets',
          risk: 'low',
          reversible: false,
        };
      }
      return null;
    },
  },
  {
    name: 'list a directory',
    examples: ['list /etc', 'ls ~/projects', 'show the files in /var/log'],
    match: (t, req) => {
      const m = re(
        String.raw`(?:ls|list(?:\s+(?:the\s+)?(?:files|contents|entries))?(?:\s+(?:in|of|under))?|show\s+(?:me\s+)?(?:the\s+)?(?:files|contents|entries)\s+(?:in|of|under))\s+(?:the\s+)?(?:directory\s+|folder\s+|dir\s+)?(${TOKEN})`,
      ).exec(t);
      if (!m?.[1] || !(looksLikePath(m[1]) || /\b(?:directory|folder|dir)\b/i.test(t))) return null;
      const path = resolveUserPath(m[1], req.home);
      return {
        agent: 'storage',
        tool: 'fs.list',
        args: { path },
        rationale: `list the entries of ${path}`,
        risk: 'low',
        reversible: false,
      };
    },
  },
  {
    name: 'show a file',
    examples: ['show /etc/hostname', 'read notes.txt', "what's in the file todo.md", 'cat /etc/os-release'],
    match: (t, req) => {
      let m = re(
        String.raw`(?:please\s+)?(?:show|display|print|read|cat|view|open)\s+(?:me\s+)?(?:the\s+)?(?:contents?\s+of\s+)?(?:the\s+)?(file\s+)?(${TOKEN})`,
      ).exec(t);
      m ??= re(String.raw`what(?:'s|\s+is)\s+in\s+(?:the\s+)?(file\s+)?(${TOKEN})`).exec(t);
      if (!m?.[2] || !(m[1] !== undefined || looksLikePath(m[2]))) return null;
      return read(resolveUserPath(m[2], req.home));
    },
  },
  {
    name: 'delete a file',
    examples: ['delete notes.txt', 'remove the file /tmp/x.txt'],
    match: (t, req) => {
      const m = re(String.raw`(?:please\s+)?(?:delete|remove|rm|erase|unlink)\s+(?:the\s+)?(file\s+)?(${TOKEN})`).exec(
        t,
      );
      if (!m?.[2] || !(m[1] !== undefined || looksLikePath(m[2]))) return null;
      const path = resolveUserPath(m[2], req.home);
      return {
        agent: 'storage',
        tool: 'fs.delete',
        args: { path },
        rationale: `remove ${path} (a snapshot keeps it for rollback)`,
        risk: 'medium',
        reversible: true,
      };
    },
  },
  {
    name: 'start a service',
    examples: ['start the nginx service', 'restart service ssh'],
    match: (t) => {
      // Only with the word "service": a bare "restart nginx" is left to the models, which may know better.
      const m = re(
        String.raw`(?:please\s+)?(start|restart)\s+(?:the\s+)?(?:service\s+([\w@.:-]+)|([\w@.:-]+)\s+service)`,
      ).exec(t);
      const unit = m?.[2] ?? m?.[3];
      if (!m?.[1] || unit === undefined) return null;
      const action = m[1].toLowerCase() as 'start' | 'restart';
      // "It exited 0" is not "it runs": the service must be active within 10 s for the step to succeed.
      return {
        agent: 'system',
        tool: `service.${action}`,
        args: { unit },
        rationale: `${action} ${unit}, then check that it runs`,
        risk: action === 'start' ? 'medium' : 'high',
        reversible: false,
        verify: { check: 'service', unit, expect: 'active', withinMs: 10_000 },
      };
    },
  },
];

export class ReactivePlanner implements Planner {
  readonly tier = 'reactive' as const;

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const text = request.text.trim().replace(/[\s?!]+$/, '');
    for (const rule of rules) {
      const r = await rule.match(text, request);
      if (r === null) continue;
      if ('refuse' in r) return { kind: 'not_understood', reason: r.refuse };
      const step: PlanStepSpec = { id: 's1', ...r, dependsOn: [] };
      return { kind: 'plan', tier: 'reactive', steps: [step], explanation: `matched the rule "${rule.name}"` };
    }
    return {
      kind: 'not_understood',
      reason: `The built-in rules did not understand "${request.text.trim().slice(0, 200)}".`,
    };
  }
}

/** What the reactive tier understands, for help texts and the not-understood answer. */
export function ruleExamples(): string[] {
  return rules.flatMap((r) => r.examples.slice(0, 1));
}
