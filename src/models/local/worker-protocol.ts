// Messages between the daemon and its model runtime process: data only, so the same
// messages can cross a child process's IPC channel or a worker thread's port.
export type GpuSetting = 'auto' | 'off' | 'cuda' | 'vulkan';

export interface LoadSpec {
  /** The tier's name (operational, tactical): one loaded model per key. */
  key: string;
  path: string;
  contextSize: number | null;
  threads: number | 'auto';
  /** Cores the daemon found usable; "auto" threads are measured between 1 and this. */
  cores: number;
}

export interface GenerateSpec {
  key: string;
  /** A raw completion prompt, or a chat turn formatted with the model's own chat template. */
  input: { prompt: string } | { system: string; user: string };
  maxTokens: number;
  temperature: number;
  /** A JSON Schema the output must follow (as a GBNF grammar). */
  jsonSchema?: object;
  seed?: number;
}

/**
 * A hint that a request for this model is coming: the runtime wakes, and with a system prompt it
 * evaluates that prompt's tokens into the model's kept sequence now, so the request that follows
 * with the same system prompt evaluates only its own part (node-llama-cpp reuses the common prefix).
 */
export interface PrepareSpec {
  key: string;
  system?: string;
}

export interface EmbedSpec {
  key: string;
  /** Cut to the embedding context's size (in tokens) when longer. */
  text: string;
}

/** Texts whose length in the model's own tokens is asked (to size a prompt to the context). */
export interface CountSpec {
  key: string;
  texts: string[];
}

export type HostMessage =
  /** exclude: GPU backends that crashed this runtime before; 'auto' then picks among the rest. */
  | { type: 'init'; gpu: GpuSetting; exclude?: string[] }
  | { type: 'load'; id: number; spec: LoadSpec }
  | { type: 'generate'; id: number; spec: GenerateSpec }
  | { type: 'embed'; id: number; spec: EmbedSpec }
  | { type: 'count'; id: number; spec: CountSpec }
  | { type: 'prepare'; id: number; spec: PrepareSpec }
  | { type: 'cancel'; id: number }
  | { type: 'unload'; id: number; key: string }
  | { type: 'memory'; id: number };

export interface ReadyInfo {
  /** 'cuda' | 'vulkan' | 'metal', or false for CPU. */
  gpu: string | false;
  gpuDevices: string[];
  vramTotalBytes: number;
  startMs: number;
}

export interface LoadedInfo {
  sizeBytes: number;
  contextSize: number;
  trainContextSize: number;
  threads: number;
  /** The measurement behind an "auto" thread count: tokens per second per candidate. */
  threadTrials: { threads: number; tokensPerS: number }[];
  gpuLayers: number;
  loadMs: number;
}

export interface GenerateResult {
  text: string;
  tokens: number;
  /** From the request reaching the runtime to the first text. */
  ttftMs: number;
  /** Prompt tokens this request evaluated: fewer than its prompt when a kept prefix was reused. */
  evaluatedTokens: number;
  totalMs: number;
  stopReason: string;
}

export interface PreparedInfo {
  /** Tokens of the model's sequence that now hold the prepared prefix. */
  prefixTokens: number;
  /** Of those, how many were evaluated now (0 when the sequence already held them). */
  evaluatedTokens: number;
  ms: number;
}

export interface MemoryInfo {
  rssBytes: number;
  models: { key: string; ramBytes: number; vramBytes: number }[];
}

export type WorkerMessage =
  | { type: 'ready'; info: ReadyInfo }
  | { type: 'loaded'; id: number; info: LoadedInfo }
  | { type: 'delta'; id: number; text: string }
  | { type: 'done'; id: number; result: GenerateResult }
  | { type: 'embedded'; id: number; vector: number[] }
  | { type: 'counted'; id: number; tokens: number[] }
  | { type: 'prepared'; id: number; info: PreparedInfo }
  | { type: 'unloaded'; id: number }
  | { type: 'memory'; id: number; info: MemoryInfo }
  | { type: 'error'; id: number | null; message: string; aborted: boolean };
