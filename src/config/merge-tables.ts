export type Table = Record<string, unknown>;

/**
 * Layers `over` onto `base`: tables merge key by key at every depth, anything else (arrays
 * included) is replaced whole, so a user's pattern list replaces the system's, as TOML readers expect.
 */
export function mergeTables(base: Table, over: Table): Table {
  // fromEntries defines own properties, so a TOML key named __proto__ stays data.
  return Object.fromEntries([
    ...Object.entries(base).filter(([key]) => !Object.hasOwn(over, key)),
    ...Object.entries(over).map(([key, value]) => {
      const below = Object.hasOwn(base, key) ? base[key] : undefined;
      return [key, isTable(below) && isTable(value) ? mergeTables(below, value) : value];
    }),
  ]);
}

export function isTable(value: unknown): value is Table {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}
