// A step's verification: a read-only check, run after the step, whose answer decides whether
// the step succeeded (an exit code alone does not say the service answers). Data only.
import { z } from 'zod';

export const VERIFY_WITHIN_MAX_MS = 120_000;
export const VERIFY_WITHIN_DEFAULT_MS = 5_000;

const withinMs = z
  .number()
  .int()
  .min(0)
  .max(VERIFY_WITHIN_MAX_MS)
  .optional()
  .describe(
    `Keep checking for up to this many milliseconds before calling it failed (default ${VERIFY_WITHIN_DEFAULT_MS}): a service may take a moment to come up`,
  );

export const VerifySpec = z.discriminatedUnion('check', [
  z.strictObject({
    check: z.literal('port').describe('A TCP port accepts connections, or does not'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    expect: z.enum(['open', 'closed']),
    withinMs,
  }),
  z.strictObject({
    check: z.literal('http').describe('An HTTP GET answers with this status (default: below 400) and body text'),
    url: z.string().min(1).max(2048),
    status: z.number().int().min(100).max(599).optional(),
    bodyContains: z.string().min(1).max(200).optional(),
    withinMs,
  }),
  z.strictObject({
    check: z.literal('service').describe('A service is running (active), or is not'),
    unit: z.string().min(1).max(256),
    expect: z.enum(['active', 'inactive']),
    withinMs,
  }),
  z.strictObject({
    check: z.literal('file').describe('A file exists (or not), and holds this text'),
    path: z.string().min(1).max(4096),
    exists: z.boolean().optional(),
    contains: z.string().min(1).max(200).optional(),
    withinMs,
  }),
  z.strictObject({
    check: z.literal('command').describe('A read-only command exits with this status (default 0) and prints this text'),
    command: z.string().min(1).max(1000),
    exitCode: z.number().int().min(0).max(255).optional(),
    outputContains: z.string().min(1).max(200).optional(),
    withinMs,
  }),
]);
export type VerifySpec = z.infer<typeof VerifySpec>;
