// Tree snapshots (manual and scheduled), the file index that lets an unchanged tree be
// snapshotted without reading it, pruning that keeps manual snapshots, restores that change
// only what differs, and machine state (services here) restored with the files.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { ServiceStateProvider } from '../../src/tools/service-manager.js';
import { SnapshotScheduler } from '../../src/recovery/snapshot-scheduler.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { fingerprintTree } from '../tools/fingerprint.js';
import { tempDir } from '../tools/helpers.js';
import { TableServiceManager } from '../tools/table-service-manager.js';

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setup(providers: ConstructorParameters<typeof SnapshotStore>[2] = []): {
  store: SnapshotStore;
  db: Db;
  blobDir: string;
} {
  const state = tempDir();
  const db = openDatabase(join(state, 'aios.db'));
  dbs.push(db);
  const blobDir = join(state, 'blobs');
  return { store: new SnapshotStore(db, blobDir, providers), db, blobDir };
}

function makeTree(root: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const sub = join(root, `d${i % 5}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.conf`), `setting_${i} = ${i}\n`);
  }
  symlinkSync('d0/f0.conf', join(root, 'current'));
  chmodSync(join(root, 'd1'), 0o750);
}

const blobCount = (db: Db, dir: string): number =>
  (db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n +
  readdirSync(dir)
    .filter((d) => d !== '.tmp')
    .reduce((n, d) => n + readdirSync(join(dir, d)).length, 0);

describe('tree snapshots', () => {
  it('record every file, directory and link, and read only what changed the next time', async () => {
    const { store } = setup();
    const root = tempDir();
    makeTree(root, 40);
    // A file changed within the clock's resolution is read again next time; let these age first.
    await sleep(50);
    const first = store.captureTree({ roots: [root], label: 'manual', kind: 'manual' });
    expect(first.entries).toBe(1 + 5 + 40 + 1);
    expect(first.hashed).toBe(40);
    expect(first.snapshot.paths).toEqual([root]);
    const again = store.captureTree({ roots: [root], label: 'again', kind: 'manual' });
    expect(again).toMatchObject({ entries: 47, hashed: 0, skipped: [] });
    writeFileSync(join(root, 'd2', 'f2.conf'), 'changed\n');
    expect(store.captureTree({ roots: [root], label: 'third', kind: 'manual' }).hashed).toBe(1);
  });

  it('restores a tree to the snapshot, changing only what differs', async () => {
    const { store } = setup();
    const root = tempDir();
    makeTree(root, 20);
    const before = fingerprintTree(root);
    const snap = store.captureTree({ roots: [root], label: 'before', kind: 'manual' });
    writeFileSync(join(root, 'd3', 'f3.conf'), 'tampered\n');
    rmSync(join(root, 'd4', 'f4.conf'));
    chmodSync(join(root, 'd0', 'f0.conf'), 0o666);
    rmSync(join(root, 'current'));
    symlinkSync('/etc/passwd', join(root, 'current'));
    const r = await store.restore(snap.snapshot.id);
    // The root and d4 lost an entry (and the root got a new link): their mtimes differ too, and come back.
    expect(r.changed.sort()).toEqual(
      [
        root,
        join(root, 'current'),
        join(root, 'd0', 'f0.conf'),
        join(root, 'd3', 'f3.conf'),
        join(root, 'd4'),
        join(root, 'd4', 'f4.conf'),
      ].sort(),
    );
    expect(r.problems).toEqual([]);
    expect(fingerprintTree(root)).toEqual(before);
  });

  it('leaves out what it cannot read or hold, and says so', () => {
    const { store } = setup();
    const root = tempDir();
    writeFileSync(join(root, 'ok'), 'x');
    const fifo = join(root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const r = store.captureTree({ roots: [root], label: 'x', kind: 'manual' });
    expect(r.skipped).toEqual([`${fifo}: cannot snapshot ${fifo}: it is not a file, directory or symbolic link`]);
    expect(r.entries).toBe(2);
  });
});

describe('pruning', () => {
  it('keeps the newest automatic snapshots, never a manual or step one, and removes blobs nobody names', async () => {
    const { store, blobDir, db } = setup();
    const root = tempDir();
    const manual = store.captureTree({ roots: [root], label: 'manual', kind: 'manual' });
    const file = join(root, 'f');
    const autos: string[] = [];
    for (let i = 0; i < 5; i++) {
      writeFileSync(file, `version ${i}`);
      autos.push(store.captureTree({ roots: [root], label: `auto ${i}`, kind: 'auto' }).snapshot.id);
    }
    const step = await store.capture({ paths: [file], label: 'step' });
    expect(blobCount(db, blobDir)).toBe(5);
    const { dropped, blobsRemoved } = store.prune(2);
    expect(dropped.sort()).toEqual(autos.slice(0, 3).sort());
    // version 4 is named by the newest auto and the step snapshot; version 3 by the other kept auto.
    expect(blobsRemoved).toBe(3);
    expect(
      store
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual([manual.snapshot.id, autos[3], autos[4], step.id].sort());
  });

  it('schedules automatic snapshots and prunes to [retention] auto_snapshots', () => {
    const { store } = setup();
    const root = tempDir();
    writeFileSync(join(root, 'f'), 'x');
    const seen: string[] = [];
    const scheduler = new SnapshotScheduler({
      snapshots: store,
      interval: 'hourly',
      keep: 2,
      roots: [root],
      onSnapshot: (r) => seen.push(r.snapshot.id),
      onError: (err) => {
        throw err;
      },
    });
    for (let i = 0; i < 4; i++) scheduler.runOnce();
    expect(seen).toHaveLength(4);
    expect(store.list().map((s) => s.id)).toEqual(seen.slice(2).reverse());
    expect(
      new SnapshotScheduler({
        snapshots: store,
        interval: 'off',
        keep: 1,
        roots: [root],
        onSnapshot: () => undefined,
        onError: () => undefined,
      }).periodMs,
    ).toBeNull();
  });
});

describe('machine state in snapshots', () => {
  it('restores whether a service runs and starts at boot, together with the files', async () => {
    const manager = new TableServiceManager();
    const { store } = setup([new ServiceStateProvider(manager)]);
    const conf = join(tempDir(), 'web.conf');
    writeFileSync(conf, 'port 80\n');
    const snap = await store.capture({ paths: [conf], states: [{ kind: 'services', keys: ['web'] }], label: 'before' });
    writeFileSync(conf, 'port 8080\n');
    await manager.act('stop', 'web');
    await manager.act('disable', 'web');
    const r = await store.restore(snap.id);
    expect(r.states).toEqual([{ kind: 'services', ok: true, actions: ['enable web', 'start web'], problems: [] }]);
    expect(manager.table.get('web')).toEqual({ active: true, enabled: true });
    expect(r.changed).toEqual([conf]);
  });

  it('says what it could not bring back instead of claiming success', async () => {
    const manager = new TableServiceManager();
    const { store } = setup([new ServiceStateProvider(manager)]);
    const snap = await store.capture({ paths: [], states: [{ kind: 'services', keys: ['web'] }], label: 'before' });
    manager.table.delete('web');
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual(['services: web: no service web']);
  });

  it('refuses to snapshot a kind of state it has no provider for', async () => {
    const { store } = setup();
    await expect(store.capture({ paths: [], states: [{ kind: 'firewall', keys: [] }], label: 'x' })).rejects.toThrow(
      'no way to snapshot firewall state on this node',
    );
  });
});
