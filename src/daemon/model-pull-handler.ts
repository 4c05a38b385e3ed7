// `models/pull` in protocol terms: progress to the calling connection alone (throttled), the
// pull cancelled when that connection goes, and every real pull audited, refused or not.
import { join } from 'node:path';
import { OpError } from '../agents/op-error.js';
import type { AiosConfig } from '../config/config.js';
import type { AiosPaths } from '../config/paths.js';
import { configFileFor } from '../models/model-config-write.js';
import { readHere } from '../models/pull-local.js';
import { ModelPuller } from '../models/pull-service.js';
import type { HelperPool } from '../runas/helper-pool.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { ModelPullResult, PullTier } from '../protocol/model-pull.js';
import type { ModelPullParams } from '../protocol/model-pull.js';
import type { Progress } from '../models/pull-service.js';
import type { Connection } from './rpc-server.js';

export type ModelPullHandler = (
  params: ModelPullParams & { tier: PullTier },
  caller: { uid: number },
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
) => Promise<ModelPullResult>;

/** Progress at most every `ms`, but every change of phase at once. */
function throttled(send: (p: Progress) => void, ms = 200): (p: Progress) => void {
  let last = 0;
  let phase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < ms) return;
    last = now;
    phase = p.phase;
    send(p);
  };
}

export async function pullHandler(
  pull: ModelPullHandler | undefined,
  ledger: AuditLedger,
  p: ModelPullParams & { tier: PullTier },
  conn: Connection,
): Promise<ModelPullResult> {
  if (pull === undefined) throw new OpError('Failed', 'this aiosd cannot pull models');
  const controller = new AbortController();
  conn.onClose(() => controller.abort(new Error('the client that asked for the pull went away')));
  const audit = (detail: Record<string, unknown>): void => {
    if (p.dryRun !== true) ledger.append({ actor: conn.actor.name, action: 'models.pull', subject: p.uri, detail });
  };
  try {
    const r = await pull(
      p,
      { uid: conn.actor.uid },
      throttled((x) => conn.notify({ type: 'model.pull', uri: p.uri, ...x })),
      controller.signal,
    );
    audit({
      tier: r.tier,
      path: r.path,
      sizeBytes: r.sizeBytes,
      sha256: r.sha256,
      checkedAgainst: r.checkedAgainst,
      replaced: r.replaces,
      reloaded: r.reload?.reloaded ?? false,
    });
    return r;
  } catch (err) {
    audit({ tier: p.tier, refused: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

/** The puller as aiosd runs it: settings from the config as it is now, node files read as the caller. */
export function createModelPullHandler(o: {
  paths: AiosPaths;
  config: () => AiosConfig;
  reload: () => Promise<{ reloaded: boolean; message: string; problems: string[] }>;
  helpers: HelperPool | null;
  log: (line: string) => void;
}): ModelPullHandler {
  const ownUid = process.getuid?.() ?? 0;
  const puller = new ModelPuller({
    configFile: configFileFor(o.paths),
    settings: () => {
      const m = o.config().models;
      return { modelDir: m.model_dir ?? join(o.paths.stateDir, 'models'), mirror: m.mirror };
    },
    reload: o.reload,
    readAs: (uid) => {
      // aiosd is that uid already (user mode, or root): it reads with the caller's credentials.
      if (uid === ownUid) return readHere;
      const helpers = o.helpers;
      if (helpers === null)
        return () =>
          Promise.reject(new Error(`this aiosd cannot read files as uid ${uid}: copy the file where it can`));
      return async (path, sink, signal) => {
        try {
          return await helpers.get(uid).readFile(path, sink, signal);
        } finally {
          helpers.settle(uid);
        }
      };
    },
  });
  return (params, caller, onProgress, signal) => {
    o.log(`models/pull: ${params.uri} as the ${params.tier} model${params.dryRun === true ? ' (dry run)' : ''}`);
    return puller.pull(params, caller, onProgress, signal);
  };
}
