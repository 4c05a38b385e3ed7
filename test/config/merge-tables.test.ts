import { describe, expect, it } from 'vitest';
import { mergeTables } from '../../src/config/merge-tables.js';

describe('mergeTables', () => {
  it('merges tables at every depth and replaces arrays and scalars whole', () => {
    const base = { a: { b: { c: 1, d: 2 }, list: [1, 2] }, keep: true };
    const over = { a: { b: { d: 3 }, list: [9] }, extra: 'x' };
    expect(mergeTables(base, over)).toEqual({ a: { b: { c: 1, d: 3 }, list: [9] }, keep: true, extra: 'x' });
    expect(base.a.b.d).toBe(2);
  });

  it('keeps a key named __proto__ as an own data property', () => {
    const over = Object.fromEntries([['__proto__', { p: 1 }]]) as Record<string, unknown>;
    const merged = mergeTables({ q: 1 }, over);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
