// aios-init's control channel for its supervisor: one JSON object a line each way over a Unix
// socket that only root and aios-init's own uid may use. aiosd's service.* tools speak it where
// aios-init, not systemd, runs the node's services. Data only.
import { z } from 'zod';

/** A request or an answer longer than this is refused (an answer with 200 services fits). */
export const INIT_CONTROL_MAX_BYTES = 256 * 1024;

export const INIT_CONTROL_OPS = [
  'list',
  'state',
  'detail',
  'start',
  'stop',
  'restart',
  'enable',
  'disable',
  // A/B updates of aiOS itself (init/update): install a bundle into the other slot, or go back to it.
  'update',
  'rollback',
  // aiosd has answered the client of an accepted update or rollback: aios-init may restart now.
  'answered',
] as const;
/** The ops that name no service. */
const UNITLESS: readonly InitControlOp[] = ['list', 'update', 'rollback', 'answered'];
/** The ops that name the update request they are about. */
const ABOUT_A_REQUEST: readonly InitControlOp[] = ['update', 'rollback', 'answered'];
export const InitControlOp = z.enum(INIT_CONTROL_OPS);
export type InitControlOp = z.infer<typeof InitControlOp>;

export const InitServiceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.@\\-]{0,254}$/, 'must be a service name such as "sshd" or "getty@tty1"');

export const InitControlRequest = z
  .strictObject({
    /** Echoed in the answer. */
    id: z.number().int().nonnegative(),
    op: InitControlOp,
    /** Every op but list names one service. */
    unit: InitServiceName.optional(),
    /** update: the bundle file, as an absolute path. */
    bundle: z.string().min(1).max(4096).optional(),
    allowDowngrade: z.boolean().optional(),
    /** update, rollback, answered: the id aiosd recorded the request under; update, rollback: who asked. */
    requestId: z.string().max(64).optional(),
    requestedBy: z.string().max(64).optional(),
  })
  .refine((r) => UNITLESS.includes(r.op) || r.unit !== undefined, { message: 'this op needs a unit', path: ['unit'] })
  .refine((r) => r.op !== 'update' || r.bundle !== undefined, { message: 'update needs a bundle', path: ['bundle'] })
  .refine((r) => !ABOUT_A_REQUEST.includes(r.op) || r.requestId !== undefined, {
    message: 'this op needs a requestId',
    path: ['requestId'],
  });
export type InitControlRequest = z.infer<typeof InitControlRequest>;

export const InitServiceInfo = z.strictObject({
  unit: z.string(),
  description: z.string(),
  /** The supervisor's own state: running, done, backoff, stopped, failed… */
  state: z.string(),
  /** The same in systemd's words, which rollback compares: only "active" counts as running. */
  active: z.enum(['active', 'inactive', 'activating', 'deactivating', 'failed']),
  /** Whether aios-init starts it at boot (persisted in the state directory). */
  enabled: z.enum(['enabled', 'disabled']),
  pid: z.number().int().nullable(),
  starts: z.number().int(),
  lastExit: z.string().nullable(),
  /** Why it may not be stopped or disabled through this channel; null when it may. */
  critical: z.string().nullable(),
});
export type InitServiceInfo = z.infer<typeof InitServiceInfo>;

export const InitControlResponse = z.union([
  z.strictObject({
    /** null when the request could not be read far enough to know its id. */
    id: z.number().int().nullable(),
    ok: z.literal(true),
    /** list */
    services: z.array(InitServiceInfo).optional(),
    /** state, detail, and every action (the state after it) */
    service: InitServiceInfo.optional(),
    /** detail: the supervisor's recent lines about the service, and its output where it keeps it */
    log: z.array(z.string()).optional(),
    /** actions: what was done */
    message: z.string().optional(),
    /** update, rollback: accepted; the node restarts into `to` once aiosd says `answered` (or at most 5 s on) */
    update: z
      .strictObject({
        id: z.string(),
        kind: z.enum(['update', 'rollback']),
        from: z.strictObject({ slot: z.enum(['a', 'b']), version: z.string() }),
        to: z.strictObject({ slot: z.enum(['a', 'b']), version: z.string(), commit: z.string().nullable() }),
        keyId: z.string().nullable(),
      })
      .optional(),
  }),
  z.strictObject({ id: z.number().int().nullable(), ok: z.literal(false), error: z.string() }),
]);
export type InitControlResponse = z.infer<typeof InitControlResponse>;

/** The variable through which aios-init tells aiosd where its control socket is. */
export const INIT_SOCKET_ENV = 'AIOS_INIT_SOCKET';
/** The socket's name in the runtime directory (/run/aios as root, under the state dir as a user). */
export const INIT_SOCKET_NAME = 'init.sock';
