import { isAbsolute, join } from 'node:path';

export type RunMode = 'user' | 'system';

export interface AiosPaths {
  mode: RunMode;
  stateDir: string;
  runtimeDir: string;
  socketPath: string;
  systemConfigFile: string;
  /** null in system mode unless AIOS_CONFIG names one: a system daemon must not read root's dotfiles. */
  userConfigFile: string | null;
  secretsFile: string;
}

export interface PathsInput {
  env: NodeJS.ProcessEnv;
  uid: number;
  home: string;
}

/** A path setting that cannot be used; `variable` names the environment variable to fix. */
export class PathsError extends Error {
  override readonly name = 'PathsError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const SYSTEM_CONFIG_DIR = '/etc/aios';
// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;

export function resolvePaths({ env, uid, home }: PathsInput): AiosPaths {
  const mode = runMode(env, uid);
  const stateOverride = overridePath(env, 'AIOS_STATE_DIR');
  const socketOverride = overridePath(env, 'AIOS_SOCKET');
  const configOverride = overridePath(env, 'AIOS_CONFIG');
  const base = mode === 'system' ? systemPaths(configOverride) : userPaths(env, home, configOverride);

  const stateDir = stateOverride ?? base.stateDir;
  // A separate state dir means a separate instance, so its socket and runtime files move with it.
  const runtimeDir = stateOverride === null ? base.runtimeDir : join(stateOverride, 'run');
  const socketPath =
    socketOverride ?? (stateOverride === null ? join(runtimeDir, 'aiosd.sock') : join(stateOverride, 'aiosd.sock'));
  checkSocketLength(socketPath);

  return { mode, ...base, stateDir, runtimeDir, socketPath };
}

function runMode(env: NodeJS.ProcessEnv, uid: number): RunMode {
  const forced = nonEmpty(env['AIOS_MODE']);
  if (forced === null) return uid === 0 ? 'system' : 'user';
  if (forced === 'user' || forced === 'system') return forced;
  throw new PathsError('AIOS_MODE', `expected user or system; got ${JSON.stringify(forced)}`);
}

type BasePaths = Omit<AiosPaths, 'mode' | 'socketPath'>;

function systemPaths(configOverride: string | null): BasePaths {
  return {
    stateDir: '/var/lib/aios',
    runtimeDir: '/run/aios',
    systemConfigFile: join(SYSTEM_CONFIG_DIR, 'config.toml'),
    userConfigFile: configOverride,
    secretsFile: join(SYSTEM_CONFIG_DIR, 'secrets.toml'),
  };
}

function userPaths(env: NodeJS.ProcessEnv, home: string, configOverride: string | null): BasePaths {
  const stateDir = join(xdgDir(env, 'XDG_STATE_HOME', home, '.local/state'), 'aios');
  const configDir = join(xdgDir(env, 'XDG_CONFIG_HOME', home, '.config'), 'aios');
  const xdgRuntime = xdgValue(env, 'XDG_RUNTIME_DIR');
  return {
    stateDir,
    runtimeDir: xdgRuntime === null ? join(stateDir, 'run') : join(xdgRuntime, 'aios'),
    systemConfigFile: join(SYSTEM_CONFIG_DIR, 'config.toml'),
    userConfigFile: configOverride ?? join(configDir, 'config.toml'),
    // Secrets stay in the XDG config dir even when AIOS_CONFIG moves the config: a config
    // path like ~/test.toml must not make ~/secrets.toml the credential file.
    secretsFile: join(configDir, 'secrets.toml'),
  };
}

function xdgDir(env: NodeJS.ProcessEnv, variable: string, home: string, fallback: string): string {
  const value = xdgValue(env, variable);
  if (value !== null) return value;
  if (!isAbsolute(home)) {
    throw new PathsError(
      variable,
      `not set and the home directory ${JSON.stringify(home)} is not an absolute path; set ${variable} or HOME`,
    );
  }
  return join(home, fallback);
}

// The XDG spec says relative values are invalid and must be ignored, not rejected.
function xdgValue(env: NodeJS.ProcessEnv, variable: string): string | null {
  const value = nonEmpty(env[variable]);
  return value !== null && isAbsolute(value) ? value : null;
}

function overridePath(env: NodeJS.ProcessEnv, variable: string): string | null {
  const value = nonEmpty(env[variable]);
  if (value === null) return null;
  if (!isAbsolute(value)) {
    throw new PathsError(variable, `must be an absolute path; got ${JSON.stringify(value)}`);
  }
  return value;
}

// `VAR= command` is the shell idiom for unsetting, so an empty value counts as unset.
function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

// Caught here because listen() would fail later with a bare EINVAL.
function checkSocketLength(socketPath: string): void {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new PathsError(
      'AIOS_SOCKET',
      `socket path ${socketPath} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit for Unix sockets; set AIOS_SOCKET to a shorter path`,
    );
  }
}
