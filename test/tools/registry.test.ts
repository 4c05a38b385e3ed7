import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../../src/tools/registry.js';
import { defineTool } from '../../src/tools/tool.js';
import { registry } from './helpers.js';

describe('ToolRegistry', () => {
  it('names the tool, the field and the problem for each invalid argument', () => {
    expect(registry.validate('fs.write', { path: '/tmp/x', content: 42 })).toEqual({
      ok: false, error: 'fs.write: content: expected string, received number',
    });
    const both = registry.validate('fs.write', { path: 'relative/x' });
    expect(both.ok).toBe(false);
    if (!both.ok) {
      expect(both.error).toContain('fs.write: path: must be an absolute path (starting with /)');
      expect(both.error).toContain('fs.write: content: expected string, received undefined');
    }
  });

  it('rejects unknown fields, because a typo must not silently drop an argument', () => {
    const v = registry.validate('fs.delete', { path: '/tmp/x', recursive: true });
    expect(v).toEqual({ ok: false, error: 'fs.delete: (arguments): Unrecognized key: "recursive"' });
  });

  it('points to nested fields by their path', () => {
    const v = registry.validate('shell.exec', { argv: ['ls', 7] });
    expect(v).toEqual({ ok: false, error: 'shell.exec: argv.1: expected string, received number' });
  });

  it('lists the known tools when asked for an unknown one', () => {
    const v = registry.validate('fs.nuke', {});
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error).toMatch(/^unknown tool "fs.nuke"; known tools: /);
      expect(v.error).toContain('fs.write');
      expect(v.error).toContain('shell.exec');
    }
  });

  it('returns the parsed arguments: paths normalised', () => {
    const v = registry.validate('fs.read', { path: '/etc/../etc//hostname' });
    expect(v.ok && v.args).toEqual({ path: '/etc/hostname' });
  });

  it('reports the capabilities an agent lacks', () => {
    const write = registry.get('fs.write');
    const exec = registry.get('shell.exec');
    if (write === undefined || exec === undefined) throw new Error('builtin tools missing');
    expect(registry.missingCapabilities(write, ['fs.read'])).toEqual(['fs.write']);
    expect(registry.missingCapabilities(write, ['fs.read', 'fs.write'])).toEqual([]);
    expect(registry.missingCapabilities(exec, [])).toEqual(['exec']);
  });

  it('refuses a second tool with the same name', () => {
    const r = new ToolRegistry();
    const tool = defineTool({
      name: 'x.y', description: 'd', schema: z.strictObject({}), capabilities: [], risk: 'low', reversible: false, mutates: false,
      preview: () => Promise.resolve({ summary: 's' }), execute: () => Promise.resolve({ ok: true, output: '' }),
    });
    r.register(tool);
    expect(() => r.register(tool)).toThrow('tool "x.y" is already registered');
  });

  it('describes every tool with a JSON Schema an LLM can follow', () => {
    const described = registry.describe();
    expect(described.map((d) => d.name)).toEqual([
      'disk.usage', 'fs.delete', 'fs.list', 'fs.read', 'fs.write', 'memory.usage', 'net.listening', 'process.list', 'shell.exec',
    ]);
    const write = described.find((d) => d.name === 'fs.write');
    expect(write).toMatchObject({ risk: 'medium', reversible: true, mutates: true, capabilities: ['fs.write'] });
    expect(write?.inputSchema).toMatchObject({
      type: 'object',
      required: ['path', 'content'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', description: expect.stringContaining('Absolute path') as unknown },
        content: { type: 'string', description: expect.any(String) as unknown },
        mode: { type: 'string', pattern: '^[0-7]{3,4}$' },
      },
    });
    const exec = described.find((d) => d.name === 'shell.exec');
    expect(exec?.inputSchema).toMatchObject({ properties: { argv: { type: 'array', items: { type: 'string' }, minItems: 1 } } });
    for (const d of described) {
      expect(d.description.length).toBeGreaterThan(10);
      const props = (d.inputSchema as { properties?: Record<string, { description?: string }> }).properties ?? {};
      for (const [field, schema] of Object.entries(props)) expect(schema.description, `${d.name}.${field}`).toBeTruthy();
    }
  });

  it('marks read-only tools as low risk with no touches', () => {
    for (const name of ['fs.read', 'fs.list', 'process.list', 'disk.usage', 'memory.usage', 'net.listening']) {
      const tool = registry.get(name);
      expect(tool, name).toMatchObject({ risk: 'low', mutates: false, reversible: false });
      expect(tool?.touches, name).toBeUndefined();
    }
    expect(registry.get('shell.exec')).toMatchObject({ risk: 'high', mutates: true, reversible: false, capabilities: ['exec'] });
  });
});
