// What a file is beyond its bytes, mode and owner: extended attributes (user.*, trusted.*,
// security.*, and POSIX ACLs, which are the xattrs system.posix_acl_access/_default) and
// nanosecond times. Read and written through the fsmeta native addon (native/fsmeta): Node has
// no xattr calls, and its utimes rounds times through a double. Nothing here follows a link.
import { loadNativeAddon } from '../native-addon.js';

export interface Xattr {
  name: string;
  value: Buffer;
}

interface Addon {
  list(path: string): [string, Buffer][];
  set(path: string, name: string, value: Buffer): void;
  remove(path: string, name: string): void;
  setTimes(path: string, atimeNs: bigint | null, mtimeNs: bigint | null): void;
  encoded(path: string): string | undefined;
  lstat(path: string, nums: Float64Array, big: BigInt64Array, withXattrs: boolean): string | null | undefined;
}

/** What a snapshot records of a path, from one native call (see lstatMeta). */
export interface MetaStat {
  /** st_mode whole: the type bits and the permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  dev: bigint;
  ino: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** The xattrs as encodeXattrs writes them; null when not asked for. */
  xattrs: string | null;
}

const loadAddon = (): Addon => loadNativeAddon<Addon>('fsmeta');

/** Loads the addon at start-up so a missing build fails loudly before any snapshot is taken. */
export function assertFsMetaAvailable(): void {
  loadAddon();
}

/** Every xattr of the path (the link itself for a symlink), sorted by name; [] where the filesystem has none. */
export function readXattrs(path: string): Xattr[] {
  return loadAddon()
    .list(path)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// Filled by each lstatMeta call and read out at once: no stats object is built in C.
const nums = new Float64Array(5);
const big = new BigInt64Array(5);

/**
 * lstat (not following a link) and, when asked, the xattrs encoded, in one native call: what a
 * snapshot needs of a path, without Node's BigInt stats object (slow to build) and a second call
 * for the xattrs. Throws as lstatSync does (code ENOENT, ENOTDIR, ...).
 */
export function lstatMeta(path: string, withXattrs: boolean): MetaStat {
  const encoded = loadAddon().lstat(path, nums, big, withXattrs);
  return {
    mode: nums[0] as number,
    uid: nums[1] as number,
    gid: nums[2] as number,
    nlink: nums[3] as number,
    size: nums[4] as number,
    dev: big[0] as bigint,
    ino: big[1] as bigint,
    atimeNs: big[2] as bigint,
    mtimeNs: big[3] as bigint,
    ctimeNs: big[4] as bigint,
    xattrs: encoded === undefined ? encodeXattrs(readXattrs(path)) : encoded,
  };
}

/** Sets one xattr (not following a link); throws with the errno's name as code. */
export function setXattr(path: string, name: string, value: Buffer): void {
  loadAddon().set(path, name, value);
}

/** Sets the times of the path (not following a link) to the nanosecond; null leaves that time as it is. */
export function setTimes(path: string, atimeNs: bigint | null, mtimeNs: bigint | null): void {
  loadAddon().setTimes(path, atimeNs, mtimeNs);
}

/** The form kept in the database and the restore journal: JSON [[name, base64], …]; "[]" when there are none. */
export function encodeXattrs(list: readonly Xattr[]): string {
  return JSON.stringify(list.map((x) => [x.name, x.value.toString('base64')]));
}

export function decodeXattrs(text: string): Xattr[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error('recorded xattrs are not a list');
  return parsed.map((pair: unknown) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
      throw new Error('a recorded xattr is not [name, base64]');
    return { name: pair[0], value: Buffer.from(pair[1], 'base64') };
  });
}

/** The xattrs of the path, encoded; differs from a recording exactly when some name or value differs. */
export function xattrsNow(path: string): string {
  // Encoded in C; a name that is not plain ASCII is left to JSON.stringify, so both agree to the byte.
  return loadAddon().encoded(path) ?? encodeXattrs(readXattrs(path));
}

/** ACLs change the mode's group bits: set last, after the plain attributes. */
const order = (x: Xattr): number => (x.name.startsWith('system.posix_acl_') ? 1 : 0);

/**
 * Makes the path's xattrs exactly `want` (as encoded): removes those not recorded, sets those
 * that differ. Returns what it could not do, each naming the path, the attribute and why
 * (security.* needs privileges the daemon may lack; a filesystem may not support user.*).
 */
export function applyXattrs(path: string, want: string): string[] {
  const wanted = decodeXattrs(want);
  const now = readXattrs(path);
  const problems: string[] = [];
  const a = loadAddon();
  const attempt = (what: string, name: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      problems.push(
        `${path}: could not ${what} xattr ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  };
  for (const x of now) {
    if (!wanted.some((w) => w.name === x.name)) attempt('remove', x.name, () => a.remove(path, x.name));
  }
  for (const w of [...wanted].sort((p, q) => order(p) - order(q))) {
    const current = now.find((x) => x.name === w.name);
    if (current === undefined || !current.value.equals(w.value))
      attempt('restore', w.name, () => a.set(path, w.name, w.value));
  }
  return problems;
}
