// Every key config.toml may hold, read from the zod schema itself: docs/configuration.md is
// checked against this list, so a key cannot be added without its line there, nor a line outlive its key.
import type { z } from 'zod';
import { AiosConfig } from './config-schema.js';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Dotted names: `system.hostname`, `models.<name>.path`, `schedule[].goal`. */
export function configKeys(schema: z.ZodType = AiosConfig, prefix = ''): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, value]) => {
        const name = prefix === '' ? key : `${prefix}.${key}`;
        const inner = configKeys(value, name);
        return inner.length === 0 ? [name] : inner;
      });
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return configKeys(def.innerType as z.ZodType, prefix);
    case 'pipe':
      return configKeys(def.in as z.ZodType, prefix);
    case 'record':
      return configKeys(def.valueType as z.ZodType, `${prefix}.<name>`);
    case 'array': {
      const inner = configKeys(def.element as z.ZodType, `${prefix}[]`);
      return inner.some((k) => k !== `${prefix}[]`) ? inner : [];
    }
    case 'union':
      return [...new Set((def.options ?? []).flatMap((o) => configKeys(o, prefix)))];
    default:
      return [];
  }
}
