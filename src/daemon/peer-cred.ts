// Who is on the other end of a Unix socket, as the kernel recorded it at connect time
// (SO_PEERCRED). A client cannot forge this, unlike anything it could send in a message.
import type { Socket } from 'node:net';
import { loadNativeAddon } from '../native-addon.js';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

interface NssUser {
  uid: number;
  gid: number;
  name: string;
  home: string;
  shell: string;
  groups: { gid: number; name: string }[];
}

interface Addon {
  getPeerCred(fd: number): PeerCred;
  lookupUser(uid: number): NssUser | null;
}

export function loadAddon(): Addon {
  const loaded = loadNativeAddon<Partial<Addon>>('peercred');
  // A build from before the NSS look-ups were added must be rebuilt, not half used.
  if (typeof loaded.lookupUser !== 'function' || typeof loaded.getPeerCred !== 'function') {
    throw new Error(
      "the peercred native addon is out of date; run 'npm run install' in the aiOS directory to rebuild it",
    );
  }
  return loaded as Addon;
}

/** Throws if the credentials cannot be read: the caller must then refuse the connection. */
export function peerCredOf(socket: Socket): PeerCred {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return loadAddon().getPeerCred(fd);
}

/** The account NSS has for `uid` (passwd, then every group it is in), or null when there is none. */
export function nssLookup(
  uid: number,
): { uid: number; gid: number; name: string; home: string; groups: { gid: number; name: string }[] } | null {
  const found = loadAddon().lookupUser(uid);
  if (found === null) return null;
  return { uid: found.uid, gid: found.gid, name: found.name, home: found.home || '/', groups: found.groups };
}

/** Loads the addon at start-up so a missing build fails loudly before any client connects. */
export function assertPeerCredAvailable(): void {
  loadAddon();
}
