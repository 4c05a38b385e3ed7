// `models/pull`: a model fetched (or copied from the node) into [models] model_dir, checked
// before (memory for its tier, free disk) and after (sha256, GGUF header), then written into
// config.toml and loaded by a reload — or refused with the reason and nothing left behind.
// One pull at a time; progress goes to the caller through `onProgress`.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OpError } from '../agents/op-error.js';
import type { ModelPullParams, ModelPullProgress, ModelPullResult, PullTier } from '../protocol/model-pull.js';
import { checkGguf } from './local/gguf-file.js';
import { existingModelTable, writeModelTable } from './model-config-write.js';
import { openRemoteModel } from './pull-download.js';
import { hubEndpoint, hubSha256 } from './pull-hub-hash.js';
import { copyAsCaller, Refused, type ReadAsCaller } from './pull-local.js';
import { diskRefusal, freeBytes, memoryFit, memoryRefusal } from './pull-sizing.js';

export interface PullDeps {
  /** [models] model_dir (resolved) and mirror, as the config says now. */
  settings: () => { modelDir: string; mirror: string | undefined };
  configFile: string;
  reload: () => Promise<{ reloaded: boolean; message: string; problems: string[] }>;
  /** How to read a node file as the caller (uid): a run-as helper, or aiosd itself. */
  readAs: (uid: number) => ReadAsCaller;
  totalMemory?: () => number;
}

export type Progress = Omit<ModelPullProgress, 'type' | 'uri'>;
type Params = ModelPullParams & { tier: PullTier };

/** Where downloads wait until they are checked; a dot directory in model_dir, so a rename installs them. */
const STAGING = '.partial';

const sha256Of = (path: string, onBytes: (n: number) => void): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let n = 0;
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => {
        hash.update(chunk);
        n += chunk.length;
        onBytes(n);
      })
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });

/** What the header says, read by node-llama-cpp's own GGUF reader: a file it cannot parse is refused. */
async function ggufProblem(path: string): Promise<string | null> {
  const magic = await checkGguf(path);
  if (!magic.ok) return magic.problem;
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(path, {
      sourceType: 'filesystem',
      readTensorInfo: true,
      logWarnings: false,
      ignoreKeys: [
        'tokenizer.ggml.tokens',
        'tokenizer.ggml.scores',
        'tokenizer.ggml.token_type',
        'tokenizer.ggml.merges',
      ],
    });
    return typeof info.metadata.general.architecture === 'string'
      ? null
      : `${basename(path)} has a GGUF header without general.architecture: not a model llama.cpp can load`;
  } catch (err) {
    return `${basename(path)} starts like a GGUF file but its header does not parse (${err instanceof Error ? err.message : String(err)}): it is damaged or not a model`;
  }
}

export class ModelPuller {
  private running: string | null = null;

  constructor(private readonly deps: PullDeps) {}

  async pull(
    params: Params,
    caller: { uid: number },
    onProgress: (p: Progress) => void,
    signal: AbortSignal,
  ): Promise<ModelPullResult> {
    if (this.running !== null)
      throw new OpError('Conflict', `a model is being pulled already (${this.running}); wait for it to finish`);
    this.running = params.uri;
    try {
      return await this.run(params, caller, onProgress, signal);
    } catch (err) {
      if (err instanceof OpError) throw err;
      if (err instanceof Refused) throw new OpError('Failed', err.message);
      if (signal.aborted)
        throw new OpError('Failed', `the pull of ${params.uri} was cancelled; pull it again to resume`);
      throw new OpError('Failed', `could not pull ${params.uri}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.running = null;
    }
  }

  private async run(
    p: Params,
    caller: { uid: number },
    onProgress: (x: Progress) => void,
    signal: AbortSignal,
  ): Promise<ModelPullResult> {
    const { modelDir, mirror } = this.deps.settings();
    const staging = join(modelDir, STAGING);
    const table = existingModelTable(this.deps.configFile, p.tier);
    if (!table.ok) throw new OpError('Failed', table.problem);
    if (table.existing !== null && p.replace !== true && p.dryRun !== true)
      throw new OpError(
        'Conflict',
        `${this.deps.configFile} already configures [models.${p.tier}] (${table.existing}); pass --replace (or --yes) to replace it, or --tier ${p.tier === 'operational' ? 'tactical' : 'operational'}`,
      );
    const local = p.uri.startsWith('/');
    if (!local && !/^(hf:|huggingface:|https?:\/\/)/.test(p.uri))
      throw new OpError(
        'InvalidParams',
        `${JSON.stringify(p.uri)} is not something to pull: give hf:user/model:quant, hf:user/model/file.gguf, an http(s) URL, or a path to a .gguf file`,
      );
    const totalMemory = this.deps.totalMemory?.();
    const endpoint = hubEndpoint(mirror);
    const report = (x: Partial<Progress> & Pick<Progress, 'phase'>, fileName: string, total: number): void =>
      onProgress({ fileName, doneBytes: 0, totalBytes: total, bytesPerS: 0, etaS: null, ...x });
    const base = {
      uri: p.uri,
      tier: p.tier,
      replaces: table.existing,
      config: this.deps.configFile,
    };

    onProgress({
      phase: 'resolving',
      fileName: basename(p.uri),
      doneBytes: 0,
      totalBytes: 0,
      bytesPerS: 0,
      etaS: null,
    });
    mkdirSync(staging, { recursive: true, mode: 0o755 });
    let staged: string;
    let fileName: string;
    let size: number;
    let resumedBytes = 0;
    let sha256: string | null = null;
    let checkedAgainst: ModelPullResult['checkedAgainst'] = p.sha256 === undefined ? 'none' : 'given';
    let expected = p.sha256 ?? null;
    let free = 0;
    const admit = async (name: string, total: number, already: number): Promise<string | null> => {
      const fit = memoryFit(total, p.tier, totalMemory);
      free = await freeBytes(modelDir);
      return memoryRefusal(name, total, p.tier, fit) ?? diskRefusal(modelDir, total - already, free);
    };

    try {
      if (local) {
        fileName = basename(p.uri);
        if (!/\.gguf$/i.test(fileName)) throw new Refused(`${p.uri} is not a .gguf file`);
        staged = join(staging, fileName);
        // Free space is read before the copy: the admit callback of the copy must answer at once.
        free = await freeBytes(modelDir);
        const started = Date.now();
        const copied = await copyAsCaller(
          this.deps.readAs(caller.uid),
          p.uri,
          p.dryRun === true ? null : staged,
          (total) =>
            memoryRefusal(fileName, total, p.tier, memoryFit(total, p.tier, totalMemory)) ??
            diskRefusal(modelDir, total, free),
          (done, total) => {
            const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
            report(
              { phase: 'downloading', doneBytes: done, bytesPerS: rate, etaS: (total - done) / rate },
              fileName,
              total,
            );
          },
          signal,
        );
        size = copied.size;
        if (p.dryRun !== true) sha256 = copied.sha256;
      } else {
        const remote = await openRemoteModel(p.uri, staging, endpoint, signal);
        fileName = remote.fileName;
        size = remote.totalBytes;
        resumedBytes = remote.resumedBytes;
        const refusal = await admit(fileName, size, resumedBytes);
        if (refusal !== null || p.dryRun === true) {
          await remote.stop();
          if (refusal !== null) throw new Refused(refusal);
        }
        if (expected === null && p.dryRun !== true) {
          const hub = await hubSha256(p.uri, endpoint, signal);
          if (hub !== null) {
            expected = hub;
            checkedAgainst = 'hub';
          }
        }
        staged = join(staging, fileName);
        if (p.dryRun !== true) {
          const stopOnAbort = (): void => void remote.stop();
          signal.addEventListener('abort', stopOnAbort, { once: true });
          try {
            staged = await remote.fetch((x) => report({ phase: 'downloading', ...x }, fileName, size));
          } finally {
            signal.removeEventListener('abort', stopOnAbort);
          }
          report({ phase: 'verifying' }, fileName, size);
          sha256 = await sha256Of(staged, (n) => report({ phase: 'verifying', doneBytes: n }, fileName, size));
        }
      }
    } finally {
      removeIfEmpty(staging);
    }

    const path = join(modelDir, fileName);
    const fit = memoryFit(size, p.tier, totalMemory);
    if (p.dryRun === true)
      return {
        ...base,
        dryRun: true,
        fileName,
        path,
        sizeBytes: size,
        sha256: null,
        checkedAgainst,
        memory: fit,
        freeDiskBytes: free,
        resumedBytes,
        reload: null,
      };

    const discard = (why: string): never => {
      rmSync(staged, { force: true });
      removeIfEmpty(staging);
      throw new Refused(`${why}; the file was deleted and nothing was installed`);
    };
    if (sha256 === null) return discard('no checksum was computed');
    if (expected !== null && sha256 !== expected)
      discard(
        `sha256 mismatch for ${fileName}: it is ${sha256}, and ${checkedAgainst === 'hub' ? 'the hub publishes' : 'you gave'} ${expected}`,
      );
    report({ phase: 'installing' }, fileName, size);
    const problem = await ggufProblem(staged);
    if (problem !== null) discard(problem);

    const target = existsSync(path)
      ? join(modelDir, `${fileName.replace(/\.gguf$/i, '')}-${sha256.slice(0, 8)}.gguf`)
      : path;
    renameSync(staged, target);
    removeIfEmpty(staging);
    const name = basename(target).replace(/\.gguf$/i, '');
    const written = writeModelTable(this.deps.configFile, p.tier, { name, path: target, sha256 }, { replace: true });
    if (!written.ok) {
      rmSync(target, { force: true });
      throw new Refused(`${written.problem}; the downloaded file was removed again`);
    }
    const reload = await this.deps.reload();
    return {
      ...base,
      dryRun: false,
      fileName: basename(target),
      path: target,
      sizeBytes: size,
      sha256,
      checkedAgainst,
      memory: fit,
      freeDiskBytes: free,
      resumedBytes,
      reload: { reloaded: reload.reloaded, message: reload.message, problems: reload.problems },
    };
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* gone already, or holds a partial download kept for resuming */
  }
}
