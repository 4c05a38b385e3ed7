import { Command, CommanderError } from 'commander';
import type { AiosPaths } from '../config/paths.js';
import { VERSION } from '../version.js';
import {
  agentsCommand,
  agentsStopCommand,
  auditAcknowledgeCommand,
  auditVerifyCommand,
  memorySearchCommand,
  restoreCommand,
  rollbackCommand,
  snapshotsCommand,
  statusCommand,
  type Io,
} from './commands.js';
import { ensureDaemon, runDaemonForeground } from './daemon-process.js';
import { operandsAfterDashes, runGoal, type GoalOptions } from './goal-router.js';
import { scheduleListCommand } from './schedule-commands.js';
import { patchRunCommand, patchStatusCommand } from './patch-commands.js';
import { gcCommand } from './gc-command.js';
import { updateCommand } from './update-command.js';
import { modelsAddCommand, modelsKeySetCommand, modelsListCommand } from './models-commands.js';
import { registerFleet } from './fleet-program.js';
import { modelsPullCommand } from './models-pull-command.js';
import { modelsRecommendCommand } from './models-recommend-command.js';
import { auditExportCommand, snapshotCreateCommand, toolCommand, toolsListCommand } from './tool-commands.js';

interface ProgramDeps {
  paths: () => AiosPaths;
  shell: () => Promise<number>;
}

export function buildProgram(deps: ProgramDeps): { run(argv: string[]): Promise<number> } {
  return {
    async run(argv) {
      let code = 0;
      const program = new Command('aios')
        .description('aiOS: administer this node by talking to it')
        .version(VERSION)
        .option('--socket <path>', 'aiosd socket (env AIOS_SOCKET)')
        .option('--state-dir <dir>', 'state directory (env AIOS_STATE_DIR)')
        .option('--config <file>', 'user config file (env AIOS_CONFIG)')
        .option(
          '--node <name>',
          "run the command on that fleet node's aiosd, over the hub (needs AIOS_FLEET_HUB, AIOS_FLEET_CREDS and your key; docs/fleet.md)",
        )
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });

      // Flags are the last word in the override order, so they become the env the paths read.
      let remote: { close(): Promise<void> } | null = null;
      program.hook('preAction', async (_p, action) => {
        const node = program.opts<{ node?: string }>().node;
        if (node !== undefined && action.parent?.name() !== 'fleet') {
          const { remoteSocket } = await import('./fleet-remote.js');
          remote = await remoteSocket(node);
        }
      });
      program.hook('postAction', async () => {
        await remote?.close();
      });
      program.hook('preAction', () => {
        const o = program.opts<{ socket?: string; stateDir?: string; config?: string }>();
        if (o.socket !== undefined) process.env['AIOS_SOCKET'] = o.socket;
        if (o.stateDir !== undefined) process.env['AIOS_STATE_DIR'] = o.stateDir;
        if (o.config !== undefined) process.env['AIOS_CONFIG'] = o.config;
      });
      const io = (json: boolean | undefined): Io => ({
        json: json === true,
        out: (t) => {
          process.stdout.write(t + '\n');
        },
        err: (t) => {
          process.stderr.write(t + '\n');
        },
      });
      const sock = (): string => deps.paths().socketPath;

      program
        .command('up')
        .description('start aiosd if it is not running, then open the TUI (what npm start runs)')
        .action(async () => {
          const p = deps.paths();
          const entry = process.argv[1] ?? '';
          const r = await ensureDaemon(p, entry);
          if (r.started) process.stderr.write(`aiosd started (log: ${r.log})\n`);
          code = await deps.shell();
        });
      program
        .command('daemon')
        .description('run aiosd in the foreground')
        .action(async () => {
          const p = deps.paths();
          code = await runDaemonForeground(p, { systemFile: p.systemConfigFile, userFile: p.userConfigFile });
        });
      program
        .command('shell')
        .description('open the TUI (also installed as aios-shell)')
        .action(async () => {
          code = await deps.shell();
        });
      program
        .command('top')
        .description('the monitor dashboard: CPU, memory, disk, network, load, tokens/s, spend (q leaves)')
        .action(async () => {
          const { runShell } = await import('../shell/run-shell.js');
          code = await runShell({
            socketPath: sock(),
            stdin: process.stdin,
            stdout: process.stdout,
            env: process.env,
            view: 'monitor',
          });
        });
      program
        .command('goal')
        .description(
          'submit a goal and print its plan (--yes approves, runs and prints the result), or act on one by id: list, show, approve, reject, rollback, cancel, resume, revise. `aios goal -- <text>` submits any text',
        )
        .argument(
          '<words...>',
          'the goal in plain words, or a verb and a goal id (the whole id or the 8 characters the TUI prints)',
        )
        .option('-y, --yes', 'approve the whole plan and run it (a new goal, revise)')
        .option('--confirm', 'also explicitly confirm steps that need it (irreversible, require_confirm)')
        .option(
          '--hash <hash>',
          'approve, reject: the plan hash the script reviewed (16 or more hex characters); a changed plan is refused with exit 5',
        )
        .option('--step <ids...>', 'approve, reject: only these steps (default: every pending step)')
        .option('--state <state>', 'list: only goals in this state')
        .option('--mine', 'list: only goals you submitted')
        .option('--limit <n>', 'list: at most this many, newest first (default 50)')
        .option('--after-step', 'cancel: let the running step finish (dpkg is not killed mid-run), start nothing more')
        .option(
          '--rerun <steps>',
          'resume: approve again these steps whose outcome is unknown (comma-separated), knowing they may already have run',
        )
        .option('--json', 'machine-readable output')
        .action(async (words: string[], o: GoalOptions) => {
          code = await runGoal(sock(), words, operandsAfterDashes(argv), o, io(o.json));
        });
      program
        .command('status')
        .description('daemon health, mode, user and goal counts')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await statusCommand(sock(), io(o.json));
          if (code === 0 && o.json !== true) {
            const { bootStatusLine } = await import('./boot-command.js');
            const line = await bootStatusLine(sock());
            if (line !== null) process.stdout.write(`${line}\n`);
          }
        });
      program
        .command('boot')
        .description('the boot timeline aios-init recorded: phases as a chart, like systemd-analyze')
        .option('-v, --verbose', 'what each phase found, and the supervised services')
        .option('--json', 'machine-readable output')
        .action(async (o: { verbose?: boolean; json?: boolean }) => {
          const { bootCommand } = await import('./boot-command.js');
          code = await bootCommand(
            sock(),
            { ...io(o.json), columns: process.stdout.columns || 80 },
            o.verbose === true,
          );
        });
      program
        .command('snapshots')
        .description('list snapshots')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await snapshotsCommand(sock(), io(o.json));
        });
      program
        .command('restore')
        .description(
          'restore a snapshot, or one path in it (says what it changes and removes, and asks first unless --yes)',
        )
        .argument('<id>', 'snapshot id (see aios snapshots)')
        .argument(
          '[path]',
          'only what the snapshot recorded at or under this path (a directory: what is new in it is removed)',
        )
        .option('-y, --yes', 'do not ask')
        .option('--json', 'machine-readable output')
        .action(async (id: string, path: string | undefined, o: { yes?: boolean; json?: boolean }) => {
          code = await restoreCommand(sock(), id, path, o.yes === true, io(o.json), process.stdin.isTTY === true);
        });
      program
        .command('rollback')
        .description(
          'roll back every reversible step of a goal, last first, after saying what it restores and removes (asks first unless --yes; the same as aios goal rollback)',
        )
        .argument('<goal-id>', 'goal id (the whole id or the 8 characters the TUI prints)')
        .option('-y, --yes', 'do not ask')
        .option('--json', 'machine-readable output')
        .action(async (id: string, o: { yes?: boolean; json?: boolean }) => {
          code = await rollbackCommand(sock(), id, io(o.json), o.yes === true, process.stdin.isTTY === true);
        });
      program
        .command('tool')
        .description(
          'run one tool as a one-step plan: the same checks, policy, preview, approval and audit as any plan',
        )
        .argument('<name>', 'tool name (aios tools lists them), e.g. fs.chmod')
        .option('--args <json>', 'the arguments as a JSON object, e.g. \'{"path":"/etc/motd","mode":"600"}\'', '{}')
        .option('-y, --yes', 'approve and run it')
        .option('--confirm', 'with --yes: explicitly confirm it when policy asks for that')
        .option('--json', 'machine-readable output')
        .action(async (name: string, o: { args: string; yes?: boolean; confirm?: boolean; json?: boolean }) => {
          code = await toolCommand(
            sock(),
            name,
            o.args,
            { yes: o.yes === true, confirm: o.confirm === true },
            io(o.json),
          );
        });
      program
        .command('tools')
        .description('every tool, what it changes and its risk')
        .option('--json', 'machine-readable output (with each input schema)')
        .action(async (o: { json?: boolean }) => {
          code = await toolsListCommand(sock(), io(o.json));
        });
      const snapshot = program.command('snapshot').description('manual snapshots (never pruned)');
      snapshot
        .command('create')
        .description('snapshot whole trees (every file, directory and link under each path)')
        .argument('<path...>', 'absolute paths, e.g. /etc')
        .option('--label <text>', 'what it is for')
        .option('--json', 'machine-readable output')
        .action(async (paths: string[], o: { label?: string; json?: boolean }) => {
          code = await snapshotCreateCommand(sock(), paths, o.label, io(o.json));
        });
      program
        .command('agents')
        .description(
          "the agent mesh: each agent's state, current task, last heartbeat and counts. `agents stop <agent> [--hold]`: cancel every step queued on it and stop the ones it runs; `agents start <agent>`: a held agent takes work again",
        )
        .argument('[verb]', 'stop or start')
        .argument('[agent]', 'the agent (aios agents lists them)')
        .option('--hold', 'with stop: the agent takes no new work until `aios agents start`')
        .option('--json', 'machine-readable output')
        .action(async (verb: string | undefined, agent: string | undefined, o: { hold?: boolean; json?: boolean }) => {
          if (verb === undefined) {
            code = await agentsCommand(sock(), io(o.json));
            return;
          }
          if ((verb !== 'stop' && verb !== 'start') || agent === undefined) {
            process.stderr.write(
              `aios agents: expected 'stop <agent>' or 'start <agent>', not '${[verb, agent].filter((x) => x !== undefined).join(' ')}'\n`,
            );
            code = 2;
            return;
          }
          code = await agentsStopCommand(sock(), verb, agent, o.hold === true, io(o.json));
        });
      const audit = program.command('audit').description('the hash-chained audit ledger');
      audit
        .command('export')
        .description('every entry, the signed checkpoints and the public key that verifies them')
        .option('--json', 'one JSON document')
        .action(async (o: { json?: boolean }) => {
          code = await auditExportCommand(sock(), io(o.json));
        });
      audit
        .command('verify')
        .description('walk the ledger and name the first bad entry, if any')
        .option('--archives', 'also check every archive of old entries against its seal')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean; archives?: boolean }) => {
          code = await auditVerifyCommand(sock(), o.archives === true, io(o.json));
        });
      audit
        .command('acknowledge')
        .description(
          'accept a BROKEN ledger (admin): audited under your name, after which it is checked and signed again from there and changes are allowed again',
        )
        .option('--note <text>', "why: kept in the acknowledgement's audit entry")
        .option('--json', 'machine-readable output')
        .action(async (o: { note?: string; json?: boolean }) => {
          code = await auditAcknowledgeCommand(sock(), o.note, io(o.json));
        });
      const memory = program.command('memory').description('long-term memory');
      memory
        .command('search')
        .description('full-text search of goals and notes')
        .argument('<query...>')
        .option('--json', 'machine-readable output')
        .action(async (q: string[], o: { json?: boolean }) => {
          code = await memorySearchCommand(sock(), q.join(' '), io(o.json));
        });
      const schedule = program
        .command('schedule')
        .description('goals submitted on their own ([[schedule]] in config.toml)');
      schedule
        .command('list')
        .description('each entry: when it fires next, its last goal and how that went')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await scheduleListCommand(sock(), io(o.json));
        });
      const patch = program
        .command('patch')
        .description('packages upgraded on their own ([security] auto_patch in config.toml)');
      patch
        .command('status')
        .description('on or off, the window, and how the last run went')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await patchStatusCommand(sock(), io(o.json));
        });
      patch
        .command('run')
        .description('a run now, outside the window (admins): upgrade, verify, roll back if a check fails')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await patchRunCommand(sock(), io(o.json));
        });
      program
        .command('gc')
        .description(
          'delete old finished goals, events, memories and the snapshots and blobs only they needed ([retention]); asks for --yes',
        )
        .option('--older-than <age>', 'one age for every kind this run, e.g. 30d (default: [retention] in config.toml)')
        .option('--dry-run', 'only say what would be freed')
        .option('-y, --yes', 'really delete')
        .option('--json', 'machine-readable output')
        .action(async (o: { olderThan?: string; dryRun?: boolean; yes?: boolean; json?: boolean }) => {
          code = await gcCommand(
            sock(),
            {
              ...(o.olderThan === undefined ? {} : { olderThan: o.olderThan }),
              dryRun: o.dryRun === true,
              yes: o.yes === true,
            },
            io(o.json),
          );
        });
      program
        .command('update')
        .description(
          'A/B update of aiOS itself: install a signed bundle (npm run bundle) into the other slot and restart into it (admin); --rollback goes back, --status says how the last one went',
        )
        .argument('[bundle]', 'the bundle file')
        .option('--rollback', 'go back to the other slot (it must hold an aiOS) and restart into it')
        .option('--status', 'which slot runs, what each holds, and how the last update went')
        .option('--allow-downgrade', 'install a bundle older than the running aiOS')
        .option('-y, --yes', 'do not ask (the node restarts)')
        .option('--json', 'machine-readable output')
        .action(
          async (
            bundle: string | undefined,
            o: { rollback?: boolean; status?: boolean; allowDowngrade?: boolean; yes?: boolean; json?: boolean },
          ) => {
            code = await updateCommand(sock(), bundle, o, io(o.json), process.stdin.isTTY === true);
          },
        );
      const models = program
        .command('models')
        .description('local models (loaded, memory, measured speed, GPU or CPU), cloud providers and spend')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          code = await modelsListCommand(sock(), io(o.json));
        });
      models
        .command('add')
        .description('check a GGUF file (magic bytes, sha256) and configure it; never downloads anything')
        .argument('<path>', 'the .gguf file')
        .option('--tier <tier>', 'operational (always loaded) or tactical (loaded on demand)', 'operational')
        .option('--name <name>', 'a label (default: the file name)')
        .option('--replace', 'overwrite the tier if it is already configured')
        .option('--json', 'machine-readable output')
        .action(async (file: string, o: { tier: string; name?: string; replace?: boolean; json?: boolean }) => {
          // `--json` after `add` is taken by the parent `models` command's option of the same name.
          const json = o.json === true || models.opts<{ json?: boolean }>().json === true;
          code = await modelsAddCommand(
            deps.paths(),
            file,
            { tier: o.tier, replace: o.replace === true, ...(o.name === undefined ? {} : { name: o.name }) },
            io(json),
          );
        });
      models
        .command('pull')
        .description(
          'download a GGUF (hf:user/model:quant, hf:user/model/file.gguf, an http(s) URL) or copy one from this node, check it and configure it; admin only',
        )
        .argument('<uri>', 'what to pull: a Hugging Face URI, a URL, or a path to a .gguf file')
        .option('--tier <tier>', 'operational (always loaded) or tactical (loaded on demand)', 'operational')
        .option('--sha256 <hex>', 'the checksum the file must have (default: the hub’s, where it publishes one)')
        .option('-y, --yes', 'pull without asking (without it: say what would happen, and ask at a terminal)')
        .option('--json', 'machine-readable output')
        .action(async (uri: string, o: { tier: string; sha256?: string; yes?: boolean; json?: boolean }) => {
          const json = o.json === true || models.opts<{ json?: boolean }>().json === true;
          code = await modelsPullCommand(
            sock(),
            uri,
            { tier: o.tier, yes: o.yes === true, ...(o.sha256 === undefined ? {} : { sha256: o.sha256 }) },
            io(json),
          );
        });
      models
        .command('recommend')
        .description('one operational and one tactical model that fit this node’s memory, and what each costs')
        .option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => {
          const json = o.json === true || models.opts<{ json?: boolean }>().json === true;
          code = await modelsRecommendCommand(sock(), io(json));
        });
      const key = models.command('key').description('API keys of cloud providers, kept in secrets.toml by aiosd');
      key
        .command('set')
        .description(
          "store a provider's key (read from the terminal without echo, or from stdin) and reload the tiers; admin only",
        )
        .argument('<provider>', 'anthropic, openai, or the name of an [api.<name>] table')
        .option('--json', 'machine-readable output')
        .action(async (provider: string, o: { json?: boolean }) => {
          const json = o.json === true || models.opts<{ json?: boolean }>().json === true;
          code = await modelsKeySetCommand(sock(), provider, io(json));
        });

      registerFleet(program, {
        sock,
        paths: () => deps.paths(),
        io,
        setCode: (c) => {
          code = c;
        },
      });

      try {
        await program.parseAsync(argv, { from: 'user' });
      } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
        throw err;
      }
      return code;
    },
  };
}
