import { describe, expect, it } from 'vitest';
import { PathsError, resolvePaths } from '../../src/config/paths.js';

const home = '/home/u';

function pathsError(run: () => unknown): PathsError {
  try {
    run();
  } catch (err) {
    if (err instanceof PathsError) return err;
    throw err;
  }
  throw new Error('expected a PathsError');
}

describe('resolvePaths in user mode', () => {
  it('follows the XDG defaults under the home directory', () => {
    expect(resolvePaths({ env: {}, uid: 1000, home })).toEqual({
      mode: 'user',
      stateDir: '/home/u/.local/state/aios',
      runtimeDir: '/home/u/.local/state/aios/run',
      socketPath: '/home/u/.local/state/aios/run/aiosd.sock',
      systemConfigFile: '/etc/aios/config.toml',
      userConfigFile: '/home/u/.config/aios/config.toml',
      secretsFile: '/home/u/.config/aios/secrets.toml',
    });
  });

  it('uses the XDG variables when they are set', () => {
    const env = { XDG_STATE_HOME: '/x/state', XDG_CONFIG_HOME: '/x/config', XDG_RUNTIME_DIR: '/run/user/1000' };
    const paths = resolvePaths({ env, uid: 1000, home });
    expect(paths.stateDir).toBe('/x/state/aios');
    expect(paths.runtimeDir).toBe('/run/user/1000/aios');
    expect(paths.socketPath).toBe('/run/user/1000/aios/aiosd.sock');
    expect(paths.userConfigFile).toBe('/x/config/aios/config.toml');
    expect(paths.secretsFile).toBe('/x/config/aios/secrets.toml');
  });

  it('ignores relative XDG values, as the XDG spec requires', () => {
    const paths = resolvePaths({ env: { XDG_STATE_HOME: 'state', XDG_RUNTIME_DIR: 'run' }, uid: 1000, home });
    expect(paths.stateDir).toBe('/home/u/.local/state/aios');
    expect(paths.runtimeDir).toBe('/home/u/.local/state/aios/run');
  });

  it('is chosen for root when AIOS_MODE=user', () => {
    expect(resolvePaths({ env: { AIOS_MODE: 'user' }, uid: 0, home: '/root' }).stateDir).toBe(
      '/root/.local/state/aios',
    );
  });
});

describe('resolvePaths in system mode', () => {
  it('uses /etc, /var/lib and /run for root, and reads no user config', () => {
    expect(resolvePaths({ env: { XDG_STATE_HOME: '/x/state' }, uid: 0, home: '/root' })).toEqual({
      mode: 'system',
      stateDir: '/var/lib/aios',
      runtimeDir: '/run/aios',
      socketPath: '/run/aios/aiosd.sock',
      systemConfigFile: '/etc/aios/config.toml',
      userConfigFile: null,
      secretsFile: '/etc/aios/secrets.toml',
    });
  });

  it('is forced for any user by AIOS_MODE=system', () => {
    expect(resolvePaths({ env: { AIOS_MODE: 'system' }, uid: 1000, home }).socketPath).toBe('/run/aios/aiosd.sock');
  });

  it('rejects an unknown AIOS_MODE by name', () => {
    const err = pathsError(() => resolvePaths({ env: { AIOS_MODE: 'root' }, uid: 0, home }));
    expect(err.variable).toBe('AIOS_MODE');
    expect(err.message).toBe('AIOS_MODE: expected user or system; got "root"');
  });
});

describe('resolvePaths overrides', () => {
  it('moves the socket and runtime dir with AIOS_STATE_DIR so instances can run side by side', () => {
    const paths = resolvePaths({
      env: { AIOS_STATE_DIR: '/tmp/a', XDG_RUNTIME_DIR: '/run/user/1000' },
      uid: 1000,
      home,
    });
    expect(paths.stateDir).toBe('/tmp/a');
    expect(paths.socketPath).toBe('/tmp/a/aiosd.sock');
    expect(paths.runtimeDir).toBe('/tmp/a/run');
  });

  it('takes AIOS_SOCKET over the socket derived from AIOS_STATE_DIR', () => {
    const paths = resolvePaths({ env: { AIOS_STATE_DIR: '/tmp/a', AIOS_SOCKET: '/tmp/s.sock' }, uid: 0, home });
    expect(paths.stateDir).toBe('/tmp/a');
    expect(paths.socketPath).toBe('/tmp/s.sock');
  });

  it('replaces the user config file with AIOS_CONFIG but keeps the secrets where they were', () => {
    const user = resolvePaths({ env: { AIOS_CONFIG: '/srv/test.toml' }, uid: 1000, home });
    expect(user.userConfigFile).toBe('/srv/test.toml');
    expect(user.secretsFile).toBe('/home/u/.config/aios/secrets.toml');
    expect(resolvePaths({ env: { AIOS_CONFIG: '/srv/test.toml' }, uid: 0, home }).userConfigFile).toBe(
      '/srv/test.toml',
    );
  });

  it('treats an empty override as unset', () => {
    expect(resolvePaths({ env: { AIOS_STATE_DIR: '', AIOS_MODE: '' }, uid: 1000, home }).stateDir).toBe(
      '/home/u/.local/state/aios',
    );
  });

  it.each(['AIOS_STATE_DIR', 'AIOS_SOCKET', 'AIOS_CONFIG'])('rejects a relative %s by name', (variable) => {
    const err = pathsError(() => resolvePaths({ env: { [variable]: 'relative/path' }, uid: 1000, home }));
    expect(err.variable).toBe(variable);
    expect(err.message).toBe(`${variable}: must be an absolute path; got "relative/path"`);
  });

  it('refuses a socket path too long for a Unix socket and says what to set', () => {
    const err = pathsError(() => resolvePaths({ env: { AIOS_STATE_DIR: `/tmp/${'d'.repeat(120)}` }, uid: 1000, home }));
    expect(err.variable).toBe('AIOS_SOCKET');
    expect(err.message).toMatch(/over the 107-byte limit/);
  });
});
