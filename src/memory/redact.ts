// Audit details are kept forever and shown to every admin, so credentials must never reach them.
// Over-matching ("monkey", "keyboard") costs a little detail; under-matching leaks a secret.
const SECRET_KEY = /key|token|secret|passw(?:or)?d|credential|authorization/i;
export const REDACTED = '[redacted]';

/** A copy of `detail` with the value of every secret-sounding key, at any depth, replaced. */
export function redact(detail: Record<string, unknown>): Record<string, unknown> {
  return redactTable(detail);
}

function redactTable(table: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([key, value]) => [key, SECRET_KEY.test(key) ? REDACTED : redactValue(value)]),
  );
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) return redactTable(value);
  return value;
}
