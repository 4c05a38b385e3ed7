// The run-as helper's entry (dist/runas-helper.js). aiosd starts it as root with the identity
// in argv; before it loads anything else or reads a message it becomes that identity for good:
// supplementary groups (initgroups), then gid, then uid. Only node: built-ins are imported
// here, so no aiOS code runs with root's credentials. It refuses to run as root at all.
import process from 'node:process';

class DropFailed extends Error {}

/** Node has had initgroups since 0.9 (POSIX only); its type declarations leave it out. */
const initgroups = (process as NodeJS.Process & { initgroups?: (user: string, extraGroup: number) => void }).initgroups;

function fail(error: string): never {
  throw new DropFailed(error);
}

function drop(): { uid: number; gid: number; groups: number[] } {
  const [uidText = '', gidText = '', name = ''] = process.argv.slice(2);
  const uid = Number(uidText);
  const gid = Number(gidText);
  if (!/^\d+$/.test(uidText) || !/^\d+$/.test(gidText))
    fail(`run-as helper: expected a uid and a gid, got ${JSON.stringify(process.argv.slice(2))}`);
  if (uid === 0) fail('run-as helper: refusing to run steps as root; the daemon runs those itself');
  try {
    // A name gives the account's supplementary groups (NSS); a uid without one gets none.
    if (name !== '') {
      if (initgroups === undefined) fail('run-as helper: this Node has no initgroups');
      initgroups(name, gid);
    } else process.setgroups?.([gid]);
    process.setgid?.(gid);
    process.setuid?.(uid);
  } catch (err) {
    fail(
      `run-as helper: could not become uid ${uid} gid ${gid}${name === '' ? '' : ` (${name})`}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (
    process.getuid?.() !== uid ||
    process.geteuid?.() !== uid ||
    process.getgid?.() !== gid ||
    process.getegid?.() !== gid
  ) {
    fail(`run-as helper: still uid ${process.geteuid?.()} gid ${process.getegid?.()} after dropping to ${uid}:${gid}`);
  }
  // setuid from root clears the saved uid too: getting root back must fail, or nothing runs.
  let regained = false;
  try {
    process.setuid?.(0);
    regained = true;
  } catch {
    /* EPERM: as it must be */
  }
  if (regained) fail('run-as helper: could become root again after dropping privileges');
  return { uid, gid, groups: process.getgroups?.() ?? [] };
}

try {
  const who = drop();
  const { serve } = await import('./helper-server.js');
  serve(who);
} catch (err) {
  const error =
    err instanceof DropFailed ? err.message : `run-as helper: ${err instanceof Error ? err.message : String(err)}`;
  // The daemon hears why before the helper ends; nothing else runs meanwhile.
  if (process.send === undefined) process.exit(1);
  process.send({ type: 'failed', error }, () => process.exit(1));
}
