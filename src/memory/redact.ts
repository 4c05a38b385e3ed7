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

/**
 * Free text (a program's output, an error message) with the values of secret-sounding
 * assignments (`API_KEY=…`, `"password": "…"`, `token: …`) and bearer tokens replaced.
 */
export function redactText(text: string): string {
  return text.replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`).replace(
    /([A-Za-z0-9_.-]*(?:key|token|secret|passw(?:or)?d|credential|authorization)[A-Za-z0-9_.-]*["']?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;"'}]+)/gi,
    // A quoted value keeps its quotes, so JSON stays JSON.
    (_m, key: string, value: string) => `${key}${/^["']/.test(value) ? `${value[0]}${REDACTED}${value[0]}` : REDACTED}`,
  );
}

/** A tool call's arguments as JSON for a prompt: secret-named values removed, then secret-looking text. */
export function redactedArgsJson(args: Record<string, unknown>): string {
  return redactText(JSON.stringify(redact(args)));
}
