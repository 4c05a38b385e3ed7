// Starting aiosd: in the foreground (`aios daemon`) or detached behind a TUI (`aios up`).
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AiosClient } from '../protocol/client.js';
import { daemonEnv } from '../recovery/io-pool.js';
import type { AiosPaths } from '../config/paths.js';

/**
 * aiosd's output is its log. The reader of that log going away (a terminal closed, `aios daemon
 * 2>&1 | less` quit, a serial console hung up) is no reason to stop serving every other client:
 * further log lines are dropped, and anything other than a closed reader still surfaces.
 */
function keepServingWhenLogReaderGoes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
      stream.write = () => true;
    });
  }
}

export async function runDaemonForeground(
  paths: AiosPaths,
  configFiles: { systemFile: string; userFile: string | null },
): Promise<number> {
  const { loadConfig, ConfigError } = await import('../config/config.js');
  const { startDaemon } = await import('../daemon/daemon.js');
  keepServingWhenLogReaderGoes();
  const { createLogger } = await import('../daemon/logger.js');
  const write = (line: string): void => {
    process.stderr.write(line);
  };
  let loaded;
  try {
    loaded = loadConfig({ systemFile: configFiles.systemFile, userFile: configFiles.userFile, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `aiosd: bad configuration: ${err.message}\nFix the file (or unset the variable) and start again.\n`,
      );
      return 2;
    }
    throw err;
  }
  const { logTarget, logSink } = await import('../daemon/log-file.js');
  const sink = logSink(
    logTarget(process.env),
    { maxBytes: loaded.config.system.log_max_bytes, files: loaded.config.system.log_files },
    write,
  );
  const log = createLogger({
    level: loaded.config.system.log_level,
    format: loaded.config.system.log_format,
    write: sink.write,
  });
  log(sink.describe, { component: 'log' });
  for (const w of loaded.warnings)
    log.warn(
      w.newKey === undefined
        ? `${w.file}: ${w.key} is not an aiOS setting (from the seed design's config); ${w.instead}`
        : `${w.file}: ${w.key} is now ${w.newKey}; ${w.instead}`,
      { component: 'config', key: w.key },
    );
  log.debug(`configuration from ${loaded.sources.length === 0 ? 'the defaults only' : loaded.sources.join(', ')}`);
  const reloadConfig = () =>
    loadConfig({ systemFile: configFiles.systemFile, userFile: configFiles.userFile, env: process.env }).config;
  const daemon = await startDaemon({ paths, config: loaded.config, log, reloadConfig }).catch((err: unknown) => {
    log.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  if (daemon === null) return 1;
  // SIGHUP: read the model settings again, as `aios models add` asks over the socket.
  const onHup = (): void => {
    daemon.reloadModels().then(
      (r) => log(`SIGHUP: ${r.message}`),
      (err: unknown) => log.warn(`SIGHUP: ${String(err)}`),
    );
  };
  process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log(`${sig}: shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.off('SIGHUP', onHup);
  // Drain, then stop, within a bound: a shutdown that hangs (or a handle left open after it)
  // must not keep the state directory's lock, and the database, for minutes.
  exitAfter(SHUTDOWN_BOUND_MS, 1, log, 'shutdown did not finish');
  process.once('SIGTERM', () => {
    log('SIGTERM again: stopping now');
    process.exit(1);
  });
  await daemon.close();
  exitAfter(LINGER_MS, 0, log, 'shut down, but something kept the process alive');
  return 0;
}

/** How long SIGTERM may take from the signal to the exit: running work drains meanwhile. */
export const SHUTDOWN_BOUND_MS = 10_000;
const LINGER_MS = 2000;

function exitAfter(ms: number, code: number, log: (line: string) => void, what: string): void {
  setTimeout(() => {
    log(
      `${what} within ${ms / 1000} s (still open: ${process.getActiveResourcesInfo().join(', ') || 'nothing'}): exiting now`,
    );
    process.exit(code);
  }, ms).unref();
}

async function reachable(socketPath: string): Promise<boolean> {
  try {
    const c = await AiosClient.connect({ socketPath, clientName: 'aios-up', connectTimeoutMs: 1000 });
    c.close();
    return true;
  } catch {
    return false;
  }
}

/** Starts aiosd detached (logging to the state dir) unless one already answers; waits until it does. */
export async function ensureDaemon(paths: AiosPaths, cliEntry: string): Promise<{ started: boolean; log: string }> {
  const logFile = join(paths.stateDir, 'aiosd.log');
  if (await reachable(paths.socketPath)) return { started: false, log: logFile };
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [cliEntry, 'daemon'], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: daemonEnv(process.env),
  });
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  for (let waited = 0; waited < 15_000; waited += 50) {
    if (exited !== null) break;
    if (await reachable(paths.socketPath)) return { started: true, log: logFile };
    await sleep(50);
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n');
  throw new Error(`aiosd did not start (see ${logFile}):\n${tail}`);
}
