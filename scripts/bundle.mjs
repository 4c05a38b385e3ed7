#!/usr/bin/env node
// `npm run bundle`: a signed update bundle of aiOS, what one A/B slot holds (dist/, bin/,
// package.json, the native addons and the node_modules dist/ loads at run time, built for this
// Node), for `aios update`. The format is in init/update/bundle-format.ts; the signature is
// Ed25519 (node:crypto) over the manifest, which names the tree's sha256 and every file's.
//
//   npm run bundle -- --key KEY [--generate-key] [--out FILE] [--version V] [--gpu]
//   node scripts/bundle.mjs --stage DIR              only assemble the slot's tree in DIR
//   node scripts/bundle.mjs --tree DIR --key KEY …   sign a tree assembled (and perhaps changed) before
//
// --key: the signing key, PEM (PKCS#8 Ed25519). --generate-key makes it (0600) and KEY.pub
// beside it when it does not exist: a development key; nodes trust KEY.pub once it is copied
// into /etc/aios/update-keys/. --version overrides the version written into the manifest and the
// slot's package.json (default: package.json's).
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const flag = (name) => args.includes(name);
const die = (msg) => {
  process.stderr.write(`bundle: ${msg}\n`);
  process.exit(2);
};
for (const a of args)
  if (
    a.startsWith('--') &&
    !['--key', '--generate-key', '--out', '--version', '--gpu', '--stage', '--tree'].includes(a)
  )
    die(`unknown option ${a} (see the comment at the top of scripts/bundle.mjs)`);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = opt('--version') ?? pkg.version;
if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(version))
  die(`--version ${version}: expected a version such as 1.2.3`);

/** The slot's tree: what build-image.sh puts in /opt/aios, with the same parts left out. */
function assemble(dir) {
  if (!existsSync(join(root, 'dist', 'aios.js'))) die('dist/ is not built: run npm run build first');
  mkdirSync(dir, { recursive: true });
  for (const part of ['dist', 'bin']) cpSync(join(root, part), join(dir, part), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2) + '\n');
  for (const addon of ['peercred', 'fsmeta']) {
    const from = join(root, 'native', addon, 'build', 'Release', `${addon}.node`);
    if (!existsSync(from)) die(`${from} is missing: run npm ci first`);
    mkdirSync(join(dir, 'native', addon, 'build', 'Release'), { recursive: true });
    copyFileSync(from, join(dir, 'native', addon, 'build', 'Release', `${addon}.node`));
  }
  const modules = execFileSync(
    process.execPath,
    [join(root, 'iso', 'runtime-modules.mjs'), ...(flag('--gpu') ? ['--gpu'] : [])],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  )
    .split('\n')
    .filter((l) => l !== '');
  for (const m of modules) cpSync(join(root, m), join(dir, m), { recursive: true, verbatimSymlinks: true });
  // Sources, intermediate objects and other platforms' prebuilt binaries are not loaded at run time.
  for (const p of [
    'better-sqlite3/deps',
    'better-sqlite3/src',
    'node-pty/deps',
    'node-pty/third_party',
    'node-pty/src',
    'node-pty/prebuilds',
  ])
    rmSync(join(dir, 'node_modules', p), { recursive: true, force: true });
  const prune = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (!e.isDirectory()) continue;
      if ((e.name.startsWith('obj') || e.name === '.deps') && d.endsWith('/build/Release'))
        rmSync(p, { recursive: true });
      else prune(p);
    }
  };
  prune(join(dir, 'node_modules'));
}

/** Every file (mode, size, sha256) and symlink of the tree, sorted by path. */
function describe(dir) {
  const files = [];
  const links = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) links.push({ path: rel, target: readlinkSync(p) });
      else if (st.isDirectory()) walk(p);
      else if (st.isFile())
        files.push({
          path: rel,
          mode: st.mode & 0o7777,
          bytes: st.size,
          sha256: createHash('sha256').update(readFileSync(p)).digest('hex'),
        });
      else die(`${p} is neither a file, a directory nor a link`);
    }
  };
  walk(dir);
  return { files, links };
}

function gitCommit() {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function signingKey(file) {
  if (!existsSync(file)) {
    if (!flag('--generate-key'))
      die(
        `${file} does not exist: give an Ed25519 private key (PEM), or add --generate-key to make a development key there`,
      );
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(`${file}.pub`, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    process.stderr.write(
      `bundle: made a development key ${file} (trust it on a node: copy ${file}.pub into /etc/aios/update-keys/)\n`,
    );
  }
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') die(`${file} is a ${key.asymmetricKeyType} key, not Ed25519`);
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { key, keyId: createHash('sha256').update(der).digest('hex').slice(0, 16) };
}

const stageOnly = opt('--stage');
if (stageOnly !== undefined) {
  if (existsSync(stageOnly) && readdirSync(stageOnly).length > 0) die(`--stage ${stageOnly} is not empty`);
  assemble(resolve(stageOnly));
  process.stdout.write(`${resolve(stageOnly)}\n`);
  process.exit(0);
}
const keyFile = opt('--key');
if (keyFile === undefined)
  die('--key KEY is needed: the Ed25519 private key (PEM) that signs the bundle (--generate-key makes one)');
const { key, keyId } = signingKey(resolve(keyFile));

const work = mkdtempSync(join(tmpdir(), 'aios-bundle-'));
try {
  let tree = opt('--tree');
  if (tree === undefined) {
    tree = join(work, 'tree');
    assemble(tree);
  } else {
    tree = resolve(tree);
    if (!existsSync(join(tree, 'bin', 'aios-init.js')))
      die(`--tree ${tree} holds no bin/aios-init.js: not an aiOS slot tree`);
  }
  const { files, links } = describe(tree);
  const members = join(work, 'members');
  mkdirSync(members);
  const payload = join(members, 'tree.tar.gz');
  // Owners are not kept (the node's root owns the slot); names sorted, so a tree gives the same archive.
  execFileSync('tar', ['-C', tree, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', payload, '.']);
  const payloadBytes = readFileSync(payload);
  const manifest = {
    format: 'aios-bundle/1',
    name: 'aios',
    version,
    commit: gitCommit(),
    builtAt: new Date().toISOString(),
    node: {
      version: process.version,
      modules: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
    },
    payload: { sha256: createHash('sha256').update(payloadBytes).digest('hex'), bytes: payloadBytes.length },
    files,
    links,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(join(members, 'aios-bundle.json'), manifestBytes);
  const signature = sign(null, Buffer.concat([Buffer.from('aios-bundle\n'), manifestBytes]), key).toString('base64');
  writeFileSync(join(members, 'aios-bundle.sig'), JSON.stringify({ algorithm: 'ed25519', keyId, signature }) + '\n');
  const out = resolve(opt('--out') ?? join(root, 'bundles', `aios-${version}.aios`));
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  execFileSync('tar', [
    '--format=ustar',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-C',
    members,
    '-cf',
    partial,
    'aios-bundle.json',
    'aios-bundle.sig',
    'tree.tar.gz',
  ]);
  chmodSync(partial, 0o644);
  renameSync(partial, out);
  process.stdout.write(
    `${out}: aiOS ${version} (${manifest.commit.slice(0, 12)}), ${files.length} files, ${(lstatSync(out).size / 1048576).toFixed(1)} MiB, signed by key ${keyId}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
