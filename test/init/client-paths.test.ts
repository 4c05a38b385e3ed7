// A login on a system-mode node finds the system daemon's socket; the daemon and any
// explicitly named instance never do.
import { describe, expect, it } from 'vitest';
import { clientPaths, SYSTEM_SOCKET, verbOf } from '../../src/config/client-paths.js';

const home = '/home/ada';
const exists = (path: string): boolean => path === SYSTEM_SOCKET;
const absent = (): boolean => false;

describe('client paths', () => {
  it('sends an unprivileged client to the system socket when it exists', () => {
    const p = clientPaths({ env: {}, uid: 1000, home }, exists);
    expect(p.mode).toBe('system');
    expect(p.socketPath).toBe('/run/aios/aiosd.sock');
  });

  it('keeps the user instance when there is no system socket', () => {
    expect(clientPaths({ env: {}, uid: 1000, home }, absent)).toMatchObject({
      mode: 'user',
      socketPath: '/home/ada/.local/state/aios/run/aiosd.sock',
    });
  });

  it('keeps an instance named by AIOS_MODE, AIOS_SOCKET or AIOS_STATE_DIR', () => {
    expect(clientPaths({ env: { AIOS_MODE: 'user' }, uid: 1000, home }, exists).mode).toBe('user');
    expect(clientPaths({ env: { AIOS_SOCKET: '/tmp/x.sock' }, uid: 1000, home }, exists).socketPath).toBe(
      '/tmp/x.sock',
    );
    expect(clientPaths({ env: { AIOS_STATE_DIR: '/tmp/st' }, uid: 1000, home }, exists).socketPath).toBe(
      '/tmp/st/aiosd.sock',
    );
    // An empty value is the shell's way of unsetting, so it names nothing.
    expect(clientPaths({ env: { AIOS_MODE: '' }, uid: 1000, home }, exists).mode).toBe('system');
  });

  it('finds the verb behind the global options', () => {
    expect(verbOf(['--socket', '/s', 'daemon'])).toBe('daemon');
    expect(verbOf(['--state-dir', 'daemon', 'status'])).toBe('status');
    expect(verbOf(['goal', 'start', 'the', 'daemon'])).toBe('goal');
    expect(verbOf(['--help'])).toBeUndefined();
  });
});
