// The tables for running a node unattended: metrics export (and, with it, the log's format in [system]).
import { z } from 'zod';
import { parseListen } from './listen-address.js';

export const MetricsConfig = z.strictObject({
  /** Absent: no endpoint. "127.0.0.1:9464", "[::1]:9464" or a Unix socket path. */
  listen: z.string().superRefine((text, ctx) => {
    const r = parseListen(text);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  }).optional(),
});
export type MetricsConfig = z.output<typeof MetricsConfig>;
