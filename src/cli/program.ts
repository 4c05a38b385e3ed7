import { Command, CommanderError } from 'commander';
import type { AiosPaths } from '../config/paths.js';
import { VERSION } from '../version.js';
import {
  auditVerifyCommand, goalCommand, memorySearchCommand, restoreCommand, rollbackCommand,
  snapshotsCommand, statusCommand, type Io,
} from './commands.js';
import { ensureDaemon, runDaemonForeground } from './daemon-process.js';

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
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });

      // Flags are the last word in the override order, so they become the env the paths read.
      program.hook('preAction', () => {
        const o = program.opts<{ socket?: string; stateDir?: string; config?: string }>();
        if (o.socket !== undefined) process.env['AIOS_SOCKET'] = o.socket;
        if (o.stateDir !== undefined) process.env['AIOS_STATE_DIR'] = o.stateDir;
        if (o.config !== undefined) process.env['AIOS_CONFIG'] = o.config;
      });
      const io = (json: boolean | undefined): Io => ({
        json: json === true,
        out: (t) => { process.stdout.write(t + '\n'); },
        err: (t) => { process.stderr.write(t + '\n'); },
      });
      const sock = (): string => deps.paths().socketPath;

      program.command('up').description('start aiosd if it is not running, then open the TUI (what npm start runs)')
        .action(async () => {
          const p = deps.paths();
          const entry = process.argv[1] ?? '';
          const r = await ensureDaemon(p, entry);
          if (r.started) process.stderr.write(`aiosd started (log: ${r.log})\n`);
          code = await deps.shell();
        });
      program.command('daemon').description('run aiosd in the foreground')
        .action(async () => {
          const p = deps.paths();
          code = await runDaemonForeground(p, { systemFile: p.systemConfigFile, userFile: p.userConfigFile });
        });
      program.command('shell').description('open the TUI (also installed as aios-shell)')
        .action(async () => { code = await deps.shell(); });
      program.command('goal').description('submit a goal and print its plan; --yes approves, runs and prints the result')
        .argument('<text...>', 'the goal, in plain words')
        .option('-y, --yes', 'approve the whole plan and run it')
        .option('--json', 'machine-readable output')
        .action(async (text: string[], o: { yes?: boolean; json?: boolean }) => {
          code = await goalCommand(sock(), text.join(' '), o.yes === true, io(o.json));
        });
      program.command('status').description('daemon health, mode, user and goal counts').option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => { code = await statusCommand(sock(), io(o.json)); });
      program.command('snapshots').description('list snapshots').option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => { code = await snapshotsCommand(sock(), io(o.json)); });
      program.command('restore').description('restore a snapshot (asks first unless --yes)')
        .argument('<id>', 'snapshot id (see aios snapshots)')
        .option('-y, --yes', 'do not ask').option('--json', 'machine-readable output')
        .action(async (id: string, o: { yes?: boolean; json?: boolean }) => {
          code = await restoreCommand(sock(), id, o.yes === true, io(o.json), process.stdin.isTTY === true);
        });
      program.command('rollback').description('roll back every reversible step of a goal, last first')
        .argument('<goal-id>', 'goal id').option('--json', 'machine-readable output')
        .action(async (id: string, o: { json?: boolean }) => { code = await rollbackCommand(sock(), id, io(o.json)); });
      const audit = program.command('audit').description('the hash-chained audit ledger');
      audit.command('verify').description('walk the ledger and name the first bad entry, if any').option('--json', 'machine-readable output')
        .action(async (o: { json?: boolean }) => { code = await auditVerifyCommand(sock(), io(o.json)); });
      const memory = program.command('memory').description('long-term memory');
      memory.command('search').description('full-text search of goals and notes').argument('<query...>').option('--json', 'machine-readable output')
        .action(async (q: string[], o: { json?: boolean }) => { code = await memorySearchCommand(sock(), q.join(' '), io(o.json)); });

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
