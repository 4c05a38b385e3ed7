// `aios fleet …`: the hub, creds, joining, and the fleet's nodes, goals and audit (docs/fleet.md).
import type { Command } from 'commander';

export interface FleetCliDeps {
  sock: () => string;
  setCode: (code: number) => void;
}

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
    deps.setCode(1);
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
        const hub = await startHub({ dir: o.dir, listen: parseHubListen(o.listen), tls, log: warn });
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
    .action(async (o: { dir: string; node?: string; person?: string }) =>
      guarded(deps, async () => {
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
}
