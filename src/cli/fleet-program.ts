// `aios fleet …`: the hub, creds, joining, and the fleet's nodes, goals and audit (docs/fleet.md).
import type { Command } from 'commander';
import type { Io } from './commands.js';
import { CliError } from './exit-codes.js';
import type { PersonOptions } from './fleet-commands.js';
import type { FleetGoalOptions } from './fleet-goal-command.js';

export interface FleetCliDeps {
  sock: () => string;
  /** The config files: the hub takes [fleet.hub] (its streams' caps) from them. */
  paths: () => { systemConfigFile: string; userConfigFile: string | null };
  setCode: (code: number) => void;
  io: (json: boolean | undefined) => Io;
}

const personFlags = (c: Command): Command =>
  c
    .option('--hub <url>', "on a workstation: the hub's URL (env AIOS_FLEET_HUB)")
    .option('--creds <file>', "on a workstation: the person's .creds file (env AIOS_FLEET_CREDS)")
    .option(
      '--key <file>',
      "the person's Ed25519 key (env AIOS_FLEET_KEY; default ~/.config/aios/fleet/person-key.pem)",
    );

const say = (t: string): void => {
  process.stdout.write(t + '\n');
};
const warn = (t: string): void => {
  process.stderr.write(t + '\n');
};

/** Runs a fleet verb: its errors are said in one line with exit 1 (2 for usage), never a stack. */
async function guarded(deps: FleetCliDeps, f: () => Promise<number | void>): Promise<void> {
  try {
    deps.setCode((await f()) ?? 0);
  } catch (err) {
    warn(`aios fleet: ${err instanceof Error ? err.message : String(err)}`);
    deps.setCode(err instanceof CliError ? err.exitCode : 1);
  }
}

export function registerFleet(program: Command, deps: FleetCliDeps): void {
  const fleet = program.command('fleet').description('many nodes on a NATS JetStream hub (docs/fleet.md)');
  fleet
    .command('hub')
    .description('run the hub: nats-server with JetStream and JWT auth, keys and data in --dir (runs until stopped)')
    .requiredOption('--dir <dir>', "the hub's directory (keys, node list, JetStream)")
    .option('--listen <host:port>', 'where nodes connect', '127.0.0.1:4222')
    .option('--tls-cert <file>', 'certificate (PEM); required unless --listen is loopback')
    .option('--tls-key <file>', 'its private key (PEM)')
    .action(async (o: { dir: string; listen: string; tlsCert?: string; tlsKey?: string }) =>
      guarded(deps, async () => {
        const { parseHubListen } = await import('../fleet/hub-config.js');
        const { startHub } = await import('../fleet/hub-server.js');
        if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
          throw new Error('give both --tls-cert and --tls-key, or neither');
        const tls = o.tlsCert === undefined || o.tlsKey === undefined ? null : { cert: o.tlsCert, key: o.tlsKey };
        // [fleet.hub] from this machine's config files, as aiosd would read them.
        const { loadConfig } = await import('../config/config.js');
        const files = deps.paths();
        const { config } = loadConfig({
          systemFile: files.systemConfigFile,
          userFile: files.userConfigFile,
          env: process.env,
        });
        const limits = config.fleet?.hub;
        const hub = await startHub({
          dir: o.dir,
          listen: parseHubListen(o.listen),
          tls,
          ...(limits === undefined ? {} : { limits }),
          log: warn,
        });
        say(hub.url);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            void hub.close().then(resolve);
          };
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
      }),
    );
  fleet
    .command('token')
    .description("print a node's or a person's creds (a .creds file), signed by the hub's account")
    .requiredOption('--dir <dir>', "the hub's directory")
    .option('--node <name>', 'creds for this node')
    .option('--person <name>', "creds for this person's workstation")
    .action(async (opts: { dir: string; node?: string; person?: string }) =>
      guarded(deps, async () => {
        // `--node` is also the program's own option (aios --node NAME …), which takes it wherever it stands.
        const node = opts.node ?? program.opts<{ node?: string }>().node;
        const o = { ...opts, ...(node === undefined ? {} : { node }) };
        if ((o.node === undefined) === (o.person === undefined)) {
          warn('aios fleet token: give exactly one of --node NAME or --person NAME');
          return 2;
        }
        const { fleetToken } = await import('../fleet/token.js');
        const r = await fleetToken(o.dir, o.node !== undefined ? { node: o.node } : { person: o.person ?? '' });
        process.stdout.write(r.creds);
        if (r.note !== null) warn(`note: ${r.note}`);
      }),
    );
  fleet
    .command('revoke')
    .description(
      'revoke every creds the hub issued to a node or a person (NATS JWT revocation): their connections drop, and aios fleet nodes shows it',
    )
    .requiredOption('--dir <dir>', "the hub's directory")
    .option('--node <name>', 'revoke this node')
    .option('--person <name>', 'revoke this person')
    .option('--creds <file>', "also a copy of creds the hub never recorded nor saw connect (that name's, this hub's)")
    .option('--json', 'machine-readable output')
    .action(async (opts: { dir: string; node?: string; person?: string; creds?: string; json?: boolean }) =>
      guarded(deps, async () => {
        const node = opts.node ?? program.opts<{ node?: string }>().node;
        if ((node === undefined) === (opts.person === undefined)) {
          warn('aios fleet revoke: give exactly one of --node NAME or --person NAME');
          return 2;
        }
        const { fleetRevokeCommand } = await import('./fleet-trust-commands.js');
        return fleetRevokeCommand(
          opts.dir,
          node !== undefined ? { node } : { person: opts.person ?? '' },
          deps.io(opts.json),
          opts.creds,
        );
      }),
    );
  fleet
    .command('trust')
    .description(
      "on a workstation: pin a node's key (as aios fleet join or status printed it at the node), for a new node or one rebuilt",
    )
    .argument('<node>', 'the node')
    .argument('<key>', "the node's key")
    .option('--key <file>', "the person's key file; the pins are kept next to it (known-nodes.json)")
    .option('--json', 'machine-readable output')
    .action(async (node: string, key: string, o: { key?: string; json?: boolean }) =>
      guarded(deps, async () =>
        (await import('./fleet-trust-commands.js')).fleetTrustCommand(node, key, o, deps.io(o.json)),
      ),
    );
  fleet
    .command('join')
    .description(
      'join this node to a fleet (admin): aiosd connects out to the hub with these creds, kept 0600 in its state dir',
    )
    .argument('<url>', 'the hub, e.g. nats://10.0.0.5:4222 or tls://hub.example:4222')
    .requiredOption('--creds <file>', "this node's creds (aios fleet token --node NAME on the hub)")
    .option('--ca <file>', "the CA that signed the hub's certificate (PEM)")
    .option(
      '--console-creds <file>',
      "a person's creds for this node's console (aios fleet token --person NAME): its admins then start and approve fleet goals in the TUI",
    )
    .option('--json', 'machine-readable output')
    .action(async (url: string, o: { creds: string; ca?: string; consoleCreds?: string; json?: boolean }) =>
      guarded(deps, async () => {
        const { fleetJoinCommand } = await import('./fleet-commands.js');
        return fleetJoinCommand(
          deps.sock(),
          url,
          {
            creds: o.creds,
            ...(o.ca === undefined ? {} : { ca: o.ca }),
            ...(o.consoleCreds === undefined ? {} : { consoleCreds: o.consoleCreds }),
          },
          deps.io(o.json),
        );
      }),
    );
  fleet
    .command('leave')
    .description('leave the fleet (admin): aiosd disconnects and forgets the creds')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) =>
      guarded(deps, async () => (await import('./fleet-commands.js')).fleetLeaveCommand(deps.sock(), deps.io(o.json))),
    );
  fleet
    .command('status')
    .description("this node's membership: hub, connection, key")
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) =>
      guarded(deps, async () => (await import('./fleet-commands.js')).fleetStatusCommand(deps.sock(), deps.io(o.json))),
    );
  personFlags(
    fleet
      .command('nodes')
      .description(
        "the fleet's nodes with health and facts (from this node's aiosd, or with --hub/--creds from a workstation)",
      )
      .option('--json', 'machine-readable output'),
  ).action(async (o: PersonOptions & { json?: boolean }) =>
    guarded(deps, async () => (await import('./fleet-commands.js')).fleetNodesCommand(deps.sock(), o, deps.io(o.json))),
  );
  fleet
    .command('key')
    .description("print this person's Ed25519 public key (made on first use), for nodes' [fleet.people]")
    .option('--key <file>', 'the key file (default ~/.config/aios/fleet/person-key.pem)')
    .option('--json', 'machine-readable output')
    .action(async (o: { key?: string; json?: boolean }) =>
      guarded(deps, async () => (await import('./fleet-commands.js')).fleetKeyCommand(o.key, deps.io(o.json))),
    );
  personFlags(
    fleet
      .command('goal')
      .description(
        "one goal on many nodes: each plans it, plans are grouped, each distinct plan is approved once (signed), then canary first and batches; `fleet goal show <id>` prints each node's state",
      )
      .argument('<words...>', 'the goal in plain words, or show and a fleet goal id')
      .option('--nodes <spec>', 'which nodes: a name glob ("web-*"), a label (role=web), comma-separated')
      .option('-y, --yes', 'approve every plan group without asking')
      .option('--confirm', 'also explicitly confirm steps that need it (irreversible, require_confirm)')
      .option(
        '--plan-once',
        "plan it once, with this node's aiosd planner (admin there), and send that plan to every node, which checks and previews it as its own",
      )
      .option('--canary <n>', 'nodes run first, alone (default 1)')
      .option('--batch <n>', 'nodes at a time after the canary (default 10)')
      .option('--max-failures <n>', 'stop starting nodes once more than this many failed (default 0)')
      .option(
        '--timeout <duration>',
        'how long to wait for a node to plan, or to finish, before calling it unreachable (default 60s)',
      )
      .option(
        '--decide-within <duration>',
        'with --console: how long each plan group waits for a decision before it expires (default [fleet] decide_within_s, 1h)',
      )
      .option(
        '--console',
        "started by this node's aiosd with its console creds (admin): each plan group is approved in the TUI's fleet view",
      )
      .option('--json', 'machine-readable output'),
  ).action(async (words: string[], o: FleetGoalOptions) =>
    guarded(deps, async () => {
      const m = await import('./fleet-goal-command.js');
      if (words[0] === 'show' && words.length === 2)
        return m.fleetGoalShowCommand(words[1] ?? '', o, deps.io(o.json), deps.sock);
      return m.fleetGoalCommand(words.join(' '), o, deps.io(o.json), deps.sock);
    }),
  );
  personFlags(
    fleet
      .command('rollback')
      .description(
        "roll back a fleet goal on every node that ran it (lists them first; --yes to do it); each node judges the person's role",
      )
      .argument('<id>', 'the fleet goal id')
      .option('-y, --yes', 'roll back after listing')
      .option('--timeout <duration>', 'how long to wait for the nodes (default 60s)')
      .option('--json', 'machine-readable output'),
  ).action(async (id: string, o: PersonOptions & { yes?: boolean; timeout?: string; json?: boolean }) =>
    guarded(deps, async () => (await import('./fleet-goal-command.js')).fleetRollbackCommand(id, o, deps.io(o.json))),
  );
  const audit = fleet.command('audit').description("every node's ledger, as the hub witnessed it");
  personFlags(
    audit
      .command('verify')
      .description("check each node's chain end to end from the hub's stream, and against the node's own copy")
      .option('--nodes <spec>', 'only these nodes: a name glob or label=value, comma-separated')
      .option('--json', 'machine-readable output'),
  ).action(async (o: PersonOptions & { nodes?: string; json?: boolean }) =>
    guarded(deps, async () => (await import('./fleet-goal-command.js')).fleetAuditVerifyCommand(o, deps.io(o.json))),
  );
}
