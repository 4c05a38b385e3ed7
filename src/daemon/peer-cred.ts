// Who is on the other end of a Unix socket, as the kernel recorded it at connect time
// (SO_PEERCRED). A client cannot forge this, unlike anything it could send in a message.
import type { Socket } from 'node:net';
import { loadNativeAddon } from '../native-addon.js';

export interface PeerCred { pid: number; uid: number; gid: number }

interface Addon { getPeerCred(fd: number): PeerCred }

const loadAddon = (): Addon => loadNativeAddon<Addon>('peercred');

/** Throws if the credentials cannot be read: the caller must then refuse the connection. */
export function peerCredOf(socket: Socket): PeerCred {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return loadAddon().getPeerCred(fd);
}

/** Loads the addon at start-up so a missing build fails loudly before any client connects. */
export function assertPeerCredAvailable(): void {
  loadAddon();
}
