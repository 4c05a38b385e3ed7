// `models/pull` and `models/recommend` as data: what the caller asks, what it gets back, and the
// progress events a pull sends to the connection that asked for it (nobody else).
import { z } from 'zod';

export const PullTier = z.enum(['operational', 'tactical']);
export type PullTier = z.infer<typeof PullTier>;

export const ModelPullParams = z
  .object({
    /** hf:user/model:quant, hf:user/model/file.gguf, an http(s) URL, or an absolute path on this node. */
    uri: z.string().min(1).max(4096),
    tier: PullTier.default('operational'),
    /** Checked against what arrived; a mismatch leaves nothing behind. */
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits')
      .transform((s) => s.toLowerCase())
      .optional(),
    /** Resolve and check (size, memory, disk), download nothing: what the CLI asks before it confirms. */
    dryRun: z.boolean().optional(),
    /** Overwrite a [models.<tier>] table the config already has. */
    replace: z.boolean().optional(),
  })
  .strict();
export type ModelPullParams = z.input<typeof ModelPullParams>;

const MemoryFit = z.object({
  /** What the model is expected to take loaded: the file plus the context and runtime. */
  neededBytes: z.number(),
  /** What the tier may take on this node (a share of its memory). */
  budgetBytes: z.number(),
  totalBytes: z.number(),
});

export const ModelPullResult = z.object({
  dryRun: z.boolean(),
  uri: z.string(),
  tier: PullTier,
  fileName: z.string(),
  /** Where the file is (or would be) in model_dir. */
  path: z.string(),
  sizeBytes: z.number(),
  /** null in a dry run. */
  sha256: z.string().nullable(),
  /** What the sha256 was compared with: the one given, the hub's, or nothing published. */
  checkedAgainst: z.enum(['given', 'hub', 'none']),
  memory: MemoryFit,
  freeDiskBytes: z.number(),
  /** Bytes already there from an interrupted pull of the same file (resumed, not fetched again). */
  resumedBytes: z.number(),
  /** The [models.<tier>] table this replaces (its name), or null. */
  replaces: z.string().nullable(),
  config: z.string(),
  reload: z.object({ reloaded: z.boolean(), message: z.string(), problems: z.array(z.string()) }).nullable(),
});
export type ModelPullResult = z.infer<typeof ModelPullResult>;

/** One progress report of a pull in flight (the `model.pull` event). */
export interface ModelPullProgress {
  type: 'model.pull';
  uri: string;
  fileName: string;
  phase: 'resolving' | 'downloading' | 'verifying' | 'installing';
  doneBytes: number;
  totalBytes: number;
  bytesPerS: number;
  /** Seconds left at the current rate; null when not known. */
  etaS: number | null;
}

export const RecommendedModel = z.object({
  tier: PullTier,
  name: z.string(),
  uri: z.string(),
  quant: z.string(),
  sizeBytes: z.number(),
  ramBytes: z.number(),
  context: z.number(),
  source: z.string(),
  /** Why this one, in words (what it costs of this node's memory). */
  why: z.string(),
});
export type RecommendedModel = z.infer<typeof RecommendedModel>;

export const ModelRecommendation = z.object({
  node: z.object({
    memoryBytes: z.number(),
    cores: z.number(),
    gpus: z.array(z.string()),
    gpuMemoryBytes: z.number().nullable(),
  }),
  operational: RecommendedModel.nullable(),
  tactical: RecommendedModel.nullable(),
  /** What could not be recommended, and why. */
  notes: z.array(z.string()),
  /** Whether any planner beyond the built-in rules is configured (a local model or a cloud provider): the first-run offer shows when not. */
  plannerConfigured: z.boolean(),
  /** What the built-in rules understand, for example: what the first-run offer lists. */
  rules: z.array(z.string()),
});
export type ModelRecommendation = z.infer<typeof ModelRecommendation>;
