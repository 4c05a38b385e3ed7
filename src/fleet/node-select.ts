// --nodes: a name glob (web-*), a label (role=web), or several of either, comma-separated.
import type { NodeFacts } from '../protocol/fleet.js';

function globRe(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function selectNodes<T extends NodeFacts>(nodes: readonly T[], spec: string): T[] {
  const terms = spec
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (terms.length === 0)
    throw new Error('--nodes is empty: give a name glob such as "web-*" or a label such as role=web');
  const matchers = terms.map((t) => {
    const eq = t.indexOf('=');
    if (eq > 0) {
      const [k, v] = [t.slice(0, eq), t.slice(eq + 1)];
      return (n: NodeFacts) => n.labels[k] === v;
    }
    const re = globRe(t);
    return (n: NodeFacts) => re.test(n.node);
  });
  return nodes.filter((n) => matchers.some((m) => m(n)));
}
