import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'bench/.build/**',
      'bench/results/**',
      'node_modules/**',
      'native/**/build/**',
      'coverage/**',
      'bin/**',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
);

/**
 * The layers, as lint (docs/architecture.md): each folder names what it must not import. Every
 * rule also keeps src/ away from init/, since one no-restricted-imports block replaces another.
 */
function layerRules() {
  const below = (...folders) => folders.map((f) => `**/${f}/**`);
  const layers = [
    {
      files: ['src/protocol/**'],
      group: ['../**/*.js'],
      message: 'src/protocol is data only: it imports zod and nothing of ours.',
    },
    {
      files: ['src/text/**', 'src/async/**'],
      group: ['../**/*.js'],
      message: 'src/text and src/async are leaves: they import nothing of ours.',
    },
    {
      files: ['src/files/**'],
      group: ['../**/*.js', '!../protocol/**'],
      message: 'src/files (durable file writes, state files) imports only the protocol.',
    },
    {
      files: ['src/config/**'],
      group: [
        '../**/*.js',
        '!../protocol/**',
        '!../text/**',
        '!../files/**',
        '!../policy/safe-regex.js',
        '!../fleet/fleet-config.js',
      ],
      message: 'src/config imports only protocol, text, files and the schemas named here.',
    },
    {
      files: ['src/update/**'],
      group: ['../**/*.js', '!../protocol/**', '!../files/**', '!../text/**'],
      message: 'src/update (the A/B slots, shared by aiosd and aios-init) imports only protocol, files and text.',
    },
    {
      files: ['src/shell/**'],
      group: [...below('tools', 'agents', 'memory', 'daemon', 'models', 'policy', 'cli'), 'better-sqlite3', 'execa'],
      message: 'src/shell may import only the protocol and text helpers.',
    },
    {
      files: ['src/policy/**'],
      group: below('agents', 'daemon', 'models', 'cli', 'shell', 'memory'),
      message: 'src/policy never imports agents, models, memory, the daemon or a client.',
    },
    {
      files: ['src/tools/**'],
      group: below('agents', 'daemon', 'models', 'cli', 'shell'),
      message: 'src/tools never imports agents, models, the daemon or a client.',
    },
    {
      files: ['src/recovery/**'],
      group: below('agents', 'daemon', 'models', 'cli', 'shell', 'policy'),
      message:
        'src/recovery (snapshots, blobs, restores) never imports agents, models, policy, the daemon or a client.',
    },
    {
      files: ['src/memory/**'],
      group: below('agents', 'daemon', 'models', 'cli', 'shell'),
      message: 'src/memory never imports agents, models, the daemon or a client.',
    },
    {
      files: ['src/agents/**'],
      group: below('models', 'daemon', 'cli', 'shell'),
      message: 'src/agents never imports models (it declares what it asks of them), the daemon or a client.',
    },
    {
      files: ['src/models/**'],
      group: below('daemon', 'cli', 'shell'),
      message: 'src/models never imports the daemon or a client.',
    },
    {
      files: ['src/daemon/**', 'src/runas/**', 'src/sandbox/**'],
      group: below('cli', 'shell'),
      message: 'the daemon side never imports a client (cli, shell).',
    },
    { files: ['src/**'], group: [], message: '' },
  ];
  const rules = layers.map(({ files, group, message }, i) => ({
    files,
    // A file in two blocks (src/shell and src/**) gets the first, more specific one.
    ignores: layers
      .slice(0, i)
      .flatMap((l) => l.files)
      .filter((f) => !files.includes(f)),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(group.length > 0 ? [{ group, message }] : []),
            { group: ['**/init/**'], message: 'src/ never imports init/: move what both need under src/.' },
          ],
        },
      ],
    },
  }));
  // init/ (aios-init) stays small and starts without the daemon's weight: protocol, config,
  // text and the helpers named here, each for a reason.
  const initAllowed = [
    'protocol/**',
    'config/**',
    'text/**',
    'files/**', // durable writes, the boot timeline file aiosd reads too
    'async/**', // within(): a deadline on a promise
    'version.js',
    'tools/process-tree.js', // ends the step cgroups a dead aiosd left
    'tools/aios-init-manager.js', // `aios-init service …` talks to its own control socket
    'tools/service-contract.js',
    'tools/format.js', // the same table layout as the CLI
    'daemon/peer-cred.js', // the kernel-verified uid of a control-socket client
    'memory/audit-signing.js', // Ed25519 checks of an update bundle, as the ledger signs
    'update/**', // the A/B slots' state, settings and grubenv, which aiosd's update service reads too
  ];
  rules.push({
    files: ['init/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**/*.js', ...initAllowed.map((a) => `!**/src/${a}`)],
              message: 'init/ imports only protocol, config, text and the allow-list in eslint.config.js.',
            },
          ],
        },
      ],
    },
  });
  return rules;
}
