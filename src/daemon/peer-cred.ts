// Who is on the other end of a Unix socket, as the kernel recorded it at connect time
// (SO_PEERCRED). A client cannot forge this, unlike anything it could send in a message.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';

export interface PeerCred { pid: number; uid: number; gid: number }

interface NssUser { uid: number; gid: number; name: string; home: string; shell: string; groups: { gid: number; name: string }[] }

interface Addon { getPeerCred(fd: number): PeerCred; lookupUser(uid: number): NssUser | null }

let addon: Addon | undefined;

export function loadAddon(): Addon {
  if (addon !== undefined) return addon;
  // Found from the source tree (tests) and from the bundle in dist/ alike.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', 'peercred', 'build', 'Release', 'peercred.node');
    if (existsSync(candidate)) {
      const loaded = createRequire(import.meta.url)(candidate) as Partial<Addon>;
      // A build from before the NSS look-ups were added must be rebuilt, not half used.
      if (typeof loaded.lookupUser !== 'function' || typeof loaded.getPeerCred !== 'function') {
        throw new Error(`the peercred native addon at ${candidate} is out of date; run 'npm run install' in the aiOS directory to rebuild it`);
      }
      addon = loaded as Addon;
      return addon;
    }
    dir = dirname(dir);
  }
  throw new Error("the peercred native addon is not built; run 'npm ci' (or 'npm run install') in the aiOS directory");
}

/** Throws if the credentials cannot be read: the caller must then refuse the connection. */
export function peerCredOf(socket: Socket): PeerCred {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return loadAddon().getPeerCred(fd);
}

/** The account NSS has for `uid` (passwd, then every group it is in), or null when there is none. */
export function nssLookup(uid: number): { uid: number; gid: number; name: string; home: string; groups: { gid: number; name: string }[] } | null {
  const found = loadAddon().lookupUser(uid);
  if (found === null) return null;
  return { uid: found.uid, gid: found.gid, name: found.name, home: found.home || '/', groups: found.groups };
}

/** Loads the addon at start-up so a missing build fails loudly before any client connects. */
export function assertPeerCredAvailable(): void {
  loadAddon();
}
