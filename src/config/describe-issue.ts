// Turns a zod issue into the words a person editing config.toml needs: which key, what was
// expected, what was found. Zod's own messages speak of "objects" and "input"; TOML speaks of tables.
import { z } from 'zod';

export interface IssueText {
  /** Dotted path with array indexes in brackets: `security.dangerous_patterns[2]`. */
  key: string;
  problem: string;
}

/** Needs the issue's `input`: parse with `{ reportInput: true }`. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): IssueText {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = tableKeys(schema, issue.path);
      const hint = known === null ? '' : `; expected one of ${known.join(', ')}`;
      return { key: keyPath([...issue.path, issue.keys[0] ?? '']), problem: `unknown key${hint}` };
    }
    case 'invalid_value':
      return at(issue, `expected one of ${issue.values.map(String).join(', ')}; got ${shown(issue.input)}`);
    case 'invalid_type':
      return at(issue, `expected ${typeName(issue.expected)}; got ${shown(issue.input)}`);
    case 'too_small':
      return at(
        issue,
        `expected ${issue.inclusive ? 'at least' : 'more than'} ${bound(issue.origin, issue.minimum)}; got ${shown(issue.input)}`,
      );
    case 'too_big':
      return at(
        issue,
        `expected ${issue.inclusive ? 'at most' : 'less than'} ${bound(issue.origin, issue.maximum)}; got ${shown(issue.input)}`,
      );
    default:
      return at(issue, issue.message);
  }
}

export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function at(issue: z.core.$ZodIssue, problem: string): IssueText {
  return { key: keyPath(issue.path), problem };
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'object':
    case 'record':
      return 'a table';
    case 'array':
      return 'an array';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function bound(origin: string, limit: number | bigint): string {
  switch (origin) {
    case 'string':
      return `${limit} character${limit === 1 ? '' : 's'}`;
    case 'array':
      return `${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return String(limit);
  }
}

function shown(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') return JSON.stringify(input);
  if (Array.isArray(input)) return 'an array';
  if (input instanceof Date) return 'a date';
  if (input !== null && typeof input === 'object') return 'a table';
  return String(input);
}

/** The keys a table accepts, for "did you mean" hints; null where the path is not a fixed table. */
function tableKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | null {
  let node: z.core.SomeType | undefined = schema;
  for (const segment of path) {
    node = unwrap(node);
    if (!(node instanceof z.ZodObject) || typeof segment !== 'string') return null;
    node = (node.shape as Record<string, z.core.SomeType>)[segment];
    if (node === undefined) return null;
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : null;
}

function unwrap(node: z.core.SomeType): z.core.SomeType {
  let inner = node;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) {
    inner = inner.unwrap();
  }
  return inner;
}
