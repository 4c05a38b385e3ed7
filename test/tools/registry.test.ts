import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../../src/tools/registry.js';
import { defineTool } from '../../src/tools/tool.js';
import { registry } from './helpers.js';

describe('ToolRegistry', () => {
  it('names the tool, the field and the problem for each invalid argument', () => {
    expect(registry.validate('fs.write', { path: '/tmp/x', content: 42 })).toEqual({
      ok: false,
      error: 'fs.write: content: expected string, received number',
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
    const v = registry.validate('pkg.install', { packages: ['hello', 7] });
    expect(v).toEqual({ ok: false, error: 'pkg.install: packages.1: expected string, received number' });
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
      name: 'x.y',
      description: 'd',
      schema: z.strictObject({}),
      capabilities: [],
      risk: 'low',
      reversible: false,
      mutates: false,
      preview: () => Promise.resolve({ summary: 's' }),
      execute: () => Promise.resolve({ ok: true, output: '' }),
    });
    r.register(tool);
    expect(() => r.register(tool)).toThrow('tool "x.y" is already registered');
  });

  it('describes once and again after a new tool; callers share the descriptions, which are frozen', () => {
    const r = new ToolRegistry();
    const tool = (name: string) =>
      defineTool({
        name,
        description: 'd',
        schema: z.strictObject({ path: z.string() }),
        capabilities: [],
        risk: 'low',
        reversible: false,
        mutates: false,
        preview: () => Promise.resolve({ summary: 's' }),
        execute: () => Promise.resolve({ ok: true, output: '' }),
      });
    r.register(tool('a.one'));
    const first = r.describe();
    const again = r.describe();
    expect(again).not.toBe(first);
    expect(again[0]).toBe(first[0]);
    expect(() => {
      (first[0]?.inputSchema as { type: string }).type = 'array';
    }).toThrow(TypeError);
    expect(() => first.pop()).not.toThrow();
    r.register(tool('b.two'));
    expect(r.describe().map((d) => d.name)).toEqual(['a.one', 'b.two']);
  });

  it('describes every tool with a JSON Schema an LLM can follow', () => {
    const described = registry.describe();
    const names = described.map((d) => d.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    // Every family of the design, each a name the planner can call.
    expect(names).toEqual(
      expect.arrayContaining([
        'fs.read',
        'fs.write',
        'fs.delete',
        'fs.list',
        'fs.stat',
        'fs.search',
        'fs.chmod',
        'fs.chown',
        'fs.symlink',
        'process.list',
        'process.info',
        'process.signal',
        'service.list',
        'service.status',
        'service.start',
        'service.stop',
        'service.restart',
        'service.enable',
        'service.disable',
        'pkg.search',
        'pkg.info',
        'pkg.install',
        'pkg.remove',
        'pkg.upgrade',
        'net.interfaces',
        'net.listening',
        'net.check_port',
        'net.dns_lookup',
        'net.http_request',
        'net.firewall_rules',
        'net.firewall_apply',
        'sec.file_audit',
        'sec.users',
        'sec.sshd_audit',
        'sec.security_updates',
        'hw.cpu',
        'hw.memory',
        'hw.disks',
        'hw.gpus',
        'monitor.metrics',
        'monitor.logs',
        'disk.usage',
        'memory.usage',
        'shell.exec',
      ]),
    );
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
    expect(exec?.inputSchema).toMatchObject({
      required: ['command'],
      properties: { command: { type: 'string', minLength: 1 } },
    });
    // Modes are octal strings, as people write them.
    expect(described.find((d) => d.name === 'fs.chmod')?.inputSchema).toMatchObject({
      properties: { mode: { type: 'string', pattern: '^[0-7]{3,4}$' } },
    });
    for (const d of described) {
      expect(d.description.length).toBeGreaterThan(10);
      const props = (d.inputSchema as { properties?: Record<string, { description?: string }> }).properties ?? {};
      for (const [field, schema] of Object.entries(props))
        expect(schema.description, `${d.name}.${field}`).toBeTruthy();
    }
  });

  it('marks read-only tools as low risk that write nothing, and every changing tool with what it changes', () => {
    for (const tool of registry.list().filter((t) => !t.mutates)) {
      expect(tool, tool.name).toMatchObject({ risk: 'low', reversible: false });
      expect(tool.states, tool.name).toBeUndefined();
      for (const use of [{}, { path: '/tmp/x' }].flatMap((a) => {
        try {
          return tool.paths?.(a as never) ?? [];
        } catch {
          return [];
        }
      }))
        expect(use.access, tool.name).toBe('read');
    }
    for (const tool of registry.list().filter((t) => t.mutates && t.reversible)) {
      // A reversible change must say what a snapshot has to cover.
      expect(tool.paths !== undefined || tool.states !== undefined, tool.name).toBe(true);
    }
    expect(registry.get('shell.exec')).toMatchObject({
      risk: 'high',
      mutates: true,
      reversible: false,
      capabilities: ['exec'],
    });
  });
});
