// A remote model through node-llama-cpp's own downloader (ipull underneath): hf: URIs resolved
// against the hub or its mirror, parallel ranged requests, and a `.ipull` progress file beside
// the download, so a pull cut short resumes where it stopped the next time it is asked for.
import type { ModelDownloader } from 'node-llama-cpp';

export interface RemoteModel {
  fileName: string;
  totalBytes: number;
  /** Bytes an earlier, interrupted pull of the same file already holds. */
  resumedBytes: number;
  /** Downloads the rest into the staging directory; resolves to the file's path there. */
  fetch(onProgress: (p: { doneBytes: number; bytesPerS: number; etaS: number | null }) => void): Promise<string>;
  /** Stops; what arrived stays, for a later pull to resume. */
  stop(): Promise<void>;
}

export async function openRemoteModel(
  uri: string,
  staging: string,
  hubEndpoint: string,
  signal: AbortSignal,
): Promise<RemoteModel> {
  const { createModelDownloader } = await import('node-llama-cpp');
  const downloader: ModelDownloader = await createModelDownloader({
    modelUri: uri,
    dirPath: staging,
    endpoints: { huggingFace: hubEndpoint },
    // A download cut short keeps its part and progress file: the next pull resumes it.
    deleteTempFileOnCancel: false,
    // An existing file of the right size is not trusted: it is checked like any other (below).
    skipExisting: true,
    parallelDownloads: 4,
  });
  if (downloader.totalFiles > 1)
    throw new Error(
      `${uri} is a model split into ${downloader.totalFiles} files; merge them with llama.cpp's llama-gguf-split --merge and pull the merged file`,
    );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await downloader.cancel({ deleteTempFile: false });
  };
  return {
    fileName: downloader.entrypointFilename,
    totalBytes: downloader.totalSize,
    resumedBytes: downloader.downloadedSize,
    fetch: async (onProgress) => {
      const tell = (): void => {
        const eta = downloader.estimatedTimeLeft;
        onProgress({
          doneBytes: downloader.downloadedSize,
          bytesPerS: downloader.averageSpeed,
          etaS: Number.isFinite(eta) ? eta / 1000 : null,
        });
      };
      // One report at the start and one at the end, beside the ticks: a transfer shorter than a tick
      // (a resumed tail, a fast mirror) still shows the caller where it began and that it finished.
      tell();
      const timer = setInterval(tell, 250);
      try {
        const file = await downloader.download({ signal });
        tell();
        return file;
      } finally {
        clearInterval(timer);
      }
    },
    stop,
  };
}
