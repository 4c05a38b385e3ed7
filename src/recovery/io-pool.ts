// A bounded pool for file-system work: at most `limit` items in flight (libuv runs them on its
// threadpool, so a tree of small files is created on several cores at once). The first failure
// stops new work; the pool still waits for what is in flight, so that a caller cleaning up
// afterwards never races a file being created behind its back.

/** Default width: libuv's threadpool (UV_THREADPOOL_SIZE, 4 unless the launcher set it) plus queue slack. */
export function ioPoolWidth(env: NodeJS.ProcessEnv = process.env): number {
  const threads = Number(env['UV_THREADPOOL_SIZE'] ?? 4);
  return Math.max(2, Math.min(64, (Number.isFinite(threads) && threads > 0 ? threads : 4) * 2));
}

export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * The environment to start aiosd with: libuv's threadpool sized for restores (16 unless set).
 * libuv reads UV_THREADPOOL_SIZE once, at the process's first file operation (loading its own
 * code), so only whoever starts aiosd can set it; aios-init and service units should do the same.
 */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { UV_THREADPOOL_SIZE: '16', ...env };
}
