// Builds the test image for `npm run test:image` with iso/build-image.sh: a test SSH key and
// test passwords baked in (never in a production build), the offline apt repository of
// aios-hello, and a test service that is off until a goal enables it. AIOS_IMAGE_REUSE=1 boots the last
// test image again instead of building one, for working on the test itself.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageOutDir } from '../../iso/image-paths.js';
import { repoRoot } from '../helpers/daemon.js';

export { TEST_ACCOUNTS } from './test-accounts.js';
import { TEST_ACCOUNTS } from './test-accounts.js';

/** A service of the test image's [[init.services]], disabled until a goal enables it. */
export const PROBE_SERVICE = 'aios-probe';
const EXTRA_CONFIG = `
[[init.services]]
name = "${PROBE_SERVICE}"
description = "test image: a service that is off until a goal enables it"
argv = ["/bin/sleep", "infinity"]
enabled = false
`;

export interface TestImage {
  iso: string;
  stateDisk: string;
  /** The persistent disk image (qcow2); boot a copy-on-write overlay of it. */
  disk: string;
  kernel: string;
  key: string;
  /** The signing key (PEM) of update bundles the image trusts; its KEY.pub is in /etc/aios/update-keys. */
  updateKey: string;
  outDir: string;
  info: {
    isoBytes: number;
    squashfsBytes: number;
    rootfsBytes: number;
    buildSeconds: number;
    baseCached: boolean;
  } | null;
  /** Seconds the build took in this run; null when reused. */
  builtInS: number | null;
}

function asRoot(argv: string[]): string[] {
  if (process.getuid?.() === 0) return argv;
  if (spawnSync('sudo', ['-n', 'true']).status === 0) return ['sudo', '-n', ...argv];
  throw new Error('npm run test:image builds a root filesystem: run it as root, or with passwordless sudo');
}

/** Runs iso/build-image.sh (argv from asRoot) and prints its step timings. */
function runBuild(argv: string[]): void {
  const r = spawnSync(argv[0] ?? 'false', argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(
      `iso/build-image.sh failed (exit ${r.status}):\n${(r.stdout + r.stderr).split('\n').slice(-40).join('\n')}`,
    );
  process.stderr.write(
    r.stdout
      .split('\n')
      .filter((l) => /^(==>| {2}\S|image:|root fs:|state disk:|disk image:|built in:)/.test(l))
      .join('\n') + '\n',
  );
}

/**
 * The boot-time baseline: plain Debian with systemd, built by the same script from the same
 * recipe (--plain), as a disk image in OUT/debian. AIOS_IMAGE_REUSE=1 takes the last one.
 */
export function buildPlainDebian(): { disk: string } {
  const disk = join(imageOutDir(), 'debian', 'debian-plain.qcow2');
  if (process.env['AIOS_IMAGE_REUSE'] === '1' && existsSync(disk)) return { disk };
  runBuild(
    asRoot([
      join(repoRoot, 'iso', 'build-image.sh'),
      '--plain',
      '--out',
      join(imageOutDir(), 'debian'),
      '--root-password',
      TEST_ACCOUNTS.root,
      '--grub-password',
      TEST_ACCOUNTS.grub,
    ]),
  );
  return { disk };
}

/** The test images' update signing key, made once (a development key, as bundle.mjs --generate-key makes). */
function ensureUpdateKey(file: string): string {
  if (existsSync(file) && existsSync(`${file}.pub`)) return file;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${file}.pub`, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return file;
}

/** `init: 'systemd'`: the variant with systemd as PID 1 and aios-init as its service (in OUT/systemd). */
export function buildTestImage(o: { init?: 'pid1' | 'systemd' } = {}): TestImage {
  const init = o.init ?? 'pid1';
  const outDir = init === 'pid1' ? imageOutDir() : join(imageOutDir(), init);
  const key = join(imageOutDir(), 'test-key');
  const updateKey = join(imageOutDir(), 'test-update-key.pem');
  const paths = {
    iso: join(outDir, 'aios-node.iso'),
    stateDisk: join(outDir, 'aios-state.img'),
    disk: join(outDir, 'aios-node.qcow2'),
    kernel: join(outDir, 'work', 'iso', 'live', 'vmlinuz'),
  };
  const readInfo = (): TestImage['info'] =>
    existsSync(join(outDir, 'image-info.json'))
      ? (JSON.parse(readFileSync(join(outDir, 'image-info.json'), 'utf8')) as TestImage['info'])
      : null;
  if (process.env['AIOS_IMAGE_REUSE'] === '1' && existsSync(paths.iso) && existsSync(key)) {
    return { ...paths, key, updateKey, outDir, info: readInfo(), builtInS: null };
  }
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(key)) {
    const k = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'aios-image-test', '-f', key], {
      encoding: 'utf8',
    });
    if (k.status !== 0) throw new Error(`ssh-keygen failed: ${k.stderr}`);
  }
  ensureUpdateKey(updateKey);
  const extraConfig = join(outDir, 'test-extra-config.toml');
  writeFileSync(extraConfig, EXTRA_CONFIG);
  const started = Date.now();
  const argv = asRoot([
    join(repoRoot, 'iso', 'build-image.sh'),
    '--out',
    outDir,
    '--test-key',
    `${key}.pub`,
    '--root-password',
    TEST_ACCOUNTS.root,
    '--user',
    `ada:${TEST_ACCOUNTS.ada}`,
    '--break-glass',
    `rescue:${TEST_ACCOUNTS.rescue}`,
    '--grub-password',
    TEST_ACCOUNTS.grub,
    '--init',
    init,
    '--update-key',
    `${updateKey}.pub`,
    // The systemd variant's tests boot its ISO only.
    ...(init === 'pid1' ? ['--apt-fixture', '--extra-config', extraConfig] : ['--no-disk']),
  ]);
  runBuild(argv);
  return { ...paths, key, updateKey, outDir, info: readInfo(), builtInS: (Date.now() - started) / 1000 };
}
