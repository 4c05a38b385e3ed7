// aiosd's member of the fleet: connects out to the hub with this node's creds, keeps its facts in
// the node bucket, takes its work from its own durable consumer, answers JSON-RPC calls sent to it,
// and publishes its ledger. Every request is checked (request-check.ts) and every refusal audited.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { join } from 'node:path';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Actor } from '../agents/approval-policy.js';
import type { GoalView } from '../protocol/model.js';
import { ErrorCode } from '../protocol/jsonrpc.js';
import { AuditPublisher, type LedgerSource } from './audit-publisher.js';
import { credsIdentity, fleetConnect } from './creds.js';
import type { FleetConfig } from './fleet-config.js';
import { RpcRequest, type NodeReport } from './messages.js';
import { readFleet, type FleetListing } from './node-listing.js';
import { nodeFacts } from './node-facts.js';
import { NodeGoals, refusal, type GoalEngineLike } from './node-goals.js';
import type { PersonBus } from './person-bus.js';
import { RequestCheck } from './request-check.js';
import { withRetry } from './retry.js';
import { encodeEnvelope, loadOrCreateKey, parseEnvelope, seal, type Envelope, type SigningKey } from './signing.js';
import { NODES_BUCKET, STREAM_IN, subjects } from './subjects.js';

export interface FleetNodeDeps {
  stateDir: string;
  /** [fleet] node, else [system] hostname, else the machine's name. */
  nodeName: string;
  version: string;
  config: () => FleetConfig | undefined;
  engine: GoalEngineLike;
  ledger: LedgerSource & { head(): { seq: number; hash: string } };
  audit: (action: string, subject: string, detail: Record<string, unknown>) => void;
  /** The local account a person maps to, as an actor with its role; or why it cannot act. */
  actorFor: (account: string) => Actor | string;
  /** One JSON-RPC call as `actor`, through the same schema and permission checks as the socket. */
  rpc: (actor: Actor, method: string, params: unknown) => Promise<{ result: unknown } | { error: unknown }>;
  problems: () => string[];
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface Joined {
  url: string;
  ca?: string;
}

export interface FleetStatus {
  joined: boolean;
  node: string;
  url: string | null;
  connected: boolean;
  key: string;
  problem: string | null;
  consoleKey: string | null;
}

const FACTS_EVERY_MS = 10_000;
const WORK_PULL_MS = 5_000;

export class FleetNode {
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private kv: KV | null = null;
  private problem: string | null = null;
  /** Set when the client gave up because the hub refused the creds; cleared by the next join. */
  private credsRefused: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private console: PersonBus | null = null;
  private closed = false;
  /** Bumped at each connect and stop: a work loop of an earlier one sees it and ends. */
  private generation = 0;
  readonly key: SigningKey;
  private readonly dir: string;
  private readonly check: RequestCheck;
  private readonly goals: NodeGoals;
  private readonly publisher: AuditPublisher;

  constructor(private readonly d: FleetNodeDeps) {
    this.dir = join(d.stateDir, 'fleet');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.key = loadOrCreateKey(join(this.dir, 'node-key.pem'), (l) => d.warn(`fleet: ${l}`));
    this.check = new RequestCheck({
      node: d.nodeName,
      people: () => d.config()?.people ?? {},
      maxAgeMs: () => (d.config()?.max_age_s ?? 120) * 1000,
      file: join(this.dir, 'seen-nonces.jsonl'),
    });
    this.goals = new NodeGoals({
      engine: d.engine,
      call: async (actor, method, params) => {
        const r = await d.rpc(actor, method, params);
        if ('error' in r) throw new Error(errorMessage(r.error));
        return r.result as GoalView;
      },
      file: join(this.dir, 'goals.json'),
      report: (fg, kind, r) => this.report(fg, kind, r),
      log: d.warn,
    });
    this.publisher = new AuditPublisher({
      node: d.nodeName,
      ledger: d.ledger,
      file: join(this.dir, 'audit-published.json'),
      js: () => this.js,
    });
  }

  /**
   * The first ledger entry the hub has not acknowledged, or null when this node is in no fleet:
   * collection archives nothing past it, or the hub would be sent a chain with a hole.
   */
  auditUnpublishedFrom(): number | null {
    return existsSync(this.joinFile) ? this.publisher.publishedThrough() + 1 : null;
  }

  private get joinFile(): string {
    return join(this.dir, 'join.json');
  }
  private get credsFile(): string {
    return join(this.dir, 'node.creds');
  }
  private get consoleCredsFile(): string {
    return join(this.dir, 'console.creds');
  }
  private get consoleKeyFile(): string {
    return join(this.dir, 'console-key.pem');
  }

  /**
   * The console's person bus (console-fleet.ts), opened once: the console creds given at join, and
   * a key of the console's own (not the node's: nodes trust it as a person, in [fleet.people]).
   */
  /** How long a console goal's plan group waits for a decision ([fleet] decide_within_s). */
  decideWithinS(): number {
    return this.d.config()?.decide_within_s ?? 3600;
  }

  async consoleBus(): Promise<PersonBus> {
    if (!existsSync(this.joinFile)) throw new Error('this node is in no fleet (aios fleet join)');
    if (!existsSync(this.consoleCredsFile))
      throw new Error(
        'this node has no console creds: join again with --console-creds FILE (aios fleet token --person NAME) to start and approve fleet goals here',
      );
    if (this.console === null || this.console.nc.isClosed()) {
      const joined = JSON.parse(readFileSync(this.joinFile, 'utf8')) as Joined;
      const { openPersonBus } = await import('./person-bus.js');
      this.console = await openPersonBus({
        url: joined.url,
        credsFile: this.consoleCredsFile,
        keyFile: this.consoleKeyFile,
        ...(joined.ca === undefined ? {} : { ca: joined.ca }),
      });
    }
    return this.console;
  }

  status(): FleetStatus {
    const joined = existsSync(this.joinFile);
    return {
      joined,
      node: this.d.nodeName,
      url: joined ? (JSON.parse(readFileSync(this.joinFile, 'utf8')) as Joined).url : null,
      connected: this.nc !== null && !this.nc.isClosed(),
      key: this.key.publicKey,
      problem: this.credsRefused ?? this.problem,
      consoleKey: joined && existsSync(this.consoleCredsFile) ? loadOrCreateKey(this.consoleKeyFile).publicKey : null,
    };
  }

  /** Connects if this node has joined a fleet; failures are said in status, and retried by the client. */
  async start(): Promise<void> {
    if (!existsSync(this.joinFile)) return;
    const joined = JSON.parse(readFileSync(this.joinFile, 'utf8')) as Joined;
    await this.connect(joined, readFileSync(this.credsFile, 'utf8'));
  }

  /** `aios fleet join`: the creds must be a node's, for this node's name; kept 0600 in the state dir. */
  async join(url: string, creds: string, ca: string | undefined, consoleCreds?: string): Promise<FleetStatus> {
    if (consoleCreds !== undefined && credsIdentity(consoleCreds).kind !== 'person')
      throw new Error("the console creds must be a person's (aios fleet token --person NAME)");
    const id = credsIdentity(creds);
    if (id.kind !== 'node')
      throw new Error(`these creds are a ${id.kind}'s (${id.name}); a node joins with aios fleet token --node`);
    if (id.name !== this.d.nodeName)
      throw new Error(
        `these creds are for node "${id.name}", but this node is "${this.d.nodeName}" (set [fleet] node, or mint creds for ${this.d.nodeName})`,
      );
    await this.stop();
    this.closed = false;
    // Tried before anything is kept, so a wrong URL or revoked creds leave the node as it was.
    const probe = await fleetConnect({ url, creds, ...(ca === undefined ? {} : { ca }) });
    await probe.close();
    writeFileAtomicSync(this.credsFile, creds, { mode: 0o600 });
    rmSync(this.consoleCredsFile, { force: true });
    if (consoleCreds !== undefined) writeFileAtomicSync(this.consoleCredsFile, consoleCreds, { mode: 0o600 });
    writeFileAtomicSync(this.joinFile, JSON.stringify({ url, ...(ca === undefined ? {} : { ca }) }) + '\n', {
      mode: 0o600,
    });
    await this.connect({ url, ...(ca === undefined ? {} : { ca }) }, creds);
    return this.status();
  }

  async leave(): Promise<FleetStatus> {
    await this.stop();
    rmSync(this.joinFile, { force: true });
    rmSync(this.credsFile, { force: true });
    rmSync(this.consoleCredsFile, { force: true });
    return this.status();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.generation++;
    this.check.close();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    this.kv = null;
    if (nc !== null) await nc.close().catch(() => undefined);
    const held = this.console;
    this.console = null;
    await held?.close();
  }

  /** Fleet goals that reached this node, newest first: the local goal each became. */
  reached(limit = 20): { fleetGoal: string; goalId: string; text: string; state: string }[] {
    return this.goals.recent(limit).flatMap(([fleetGoal, goalId]) => {
      try {
        const g = this.d.engine.get(goalId);
        return [{ fleetGoal, goalId, text: g.text, state: g.state }];
      } catch {
        return []; // a goal the retention sweep removed
      }
    });
  }

  /** The fleet's nodes as their buckets say, from this node's connection. */
  async nodes(): Promise<FleetListing> {
    if (this.kv === null || this.nc === null)
      throw new Error('this node is not connected to a fleet (aios fleet join)');
    return readFleet(this.nc, this.kv);
  }

  private async connect(joined: Joined, creds: string): Promise<void> {
    this.closed = false;
    this.credsRefused = null;
    const nc = await fleetConnect({
      url: joined.url,
      creds,
      persistent: true,
      ...(joined.ca === undefined ? {} : { ca: joined.ca }),
    });
    this.nc = nc;
    this.js = jetstream(nc);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.problem = 'disconnected from the hub; reconnecting';
        if (s.type === 'reconnect') this.problem = null;
      }
    })();
    void nc.closed().then((err) => this.connectionEnded(err));
    this.kv = await new Kvm(nc).open(NODES_BUCKET);
    await this.publishFacts();
    this.timers.push(setInterval(() => void this.publishFacts(), FACTS_EVERY_MS));
    this.timers.push(setInterval(() => void this.flushAudit(), 1000));
    for (const t of this.timers) t.unref();
    void this.flushAudit();
    this.serveRpc(nc.subscribe(subjects.rpc(this.d.nodeName)));
    void this.takeWork(++this.generation);
    this.d.log(`joined the fleet at ${joined.url} as node ${this.d.nodeName}`);
  }

  /** The client gives up only when the hub keeps refusing the creds: revoked, or from another hub. */
  private connectionEnded(err: Error | void): void {
    if (this.closed) return;
    this.credsRefused = `the hub refused this node's creds (${err instanceof Error ? err.message : 'closed'}): revoked? Get new ones (aios fleet token --node ${this.d.nodeName}) and join again`;
    this.d.warn(`fleet: ${this.credsRefused}`);
    this.d.audit('fleet.creds_refused', this.d.nodeName, { why: err instanceof Error ? err.message : 'closed' });
  }

  private async publishFacts(): Promise<void> {
    const facts = nodeFacts({
      node: this.d.nodeName,
      version: this.d.version,
      stateDir: this.d.stateDir,
      labels: this.d.config()?.labels ?? {},
      key: this.key.publicKey,
      ledgerHead: () => this.d.ledger.head(),
      problems: this.d.problems,
    });
    try {
      await this.kv?.put(this.d.nodeName, JSON.stringify(facts));
    } catch (err) {
      this.problem = `cannot publish this node's facts: ${describe(err)}`;
    }
  }

  /** Publishes the ledger now (after a goal ends) rather than at the next tick. */
  async flushAudit(): Promise<void> {
    try {
      await this.publisher.flush();
    } catch (err) {
      this.problem = `cannot publish the ledger to the hub: ${describe(err)}`;
    }
  }

  /** Takes this node's work from its durable consumer, one message at a time, for as long as it is joined. */
  private async takeWork(generation: number): Promise<void> {
    // A loop of an earlier connection (a join again while joined) ends rather than take work
    // from the new one beside its own loop.
    const current = (): boolean => !this.closed && generation === this.generation;
    while (current() && this.js !== null) {
      try {
        const consumer = await this.js.consumers.get(STREAM_IN, subjects.nodeConsumer(this.d.nodeName));
        // One message per pull, each pull asked for once the last message is handled. With
        // consume()'s pipeline of pulls, a node's work now and then waited until a pull expired
        // (16-30 s at its default 30 s, 5 s at 5 s) in the 200-node bench under load, which set
        // the p95 of approval → running; one pull at a time, it did not happen in 3 runs (21 goals).
        while (current()) {
          const m = await consumer.next({ expires: WORK_PULL_MS });
          if (m === null) continue;
          // Not acknowledged: redelivered to the loop that replaced this one.
          if (!current()) return;
          // Acknowledged first: work is done at most once; the initiator reports a node that never answers.
          m.ack();
          await this.handle(m.subject.split('.').at(-1) ?? '', m.data);
        }
      } catch (err) {
        // A connection the client gave up on (refused creds: connectionEnded says so) is not retried.
        if (!current() || this.nc?.isClosed() === true) return;
        this.problem = `cannot take work from the hub: ${describe(err)}`;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async handle(kind: string, data: Uint8Array): Promise<void> {
    const e = parseEnvelope(data);
    const fleetGoal = fleetGoalOf(e);
    const actor = this.authorise(e, kind);
    if (typeof actor === 'string') {
      if (fleetGoal !== null) await this.report(fleetGoal, 'result', refusal(fleetGoal, actor));
      return;
    }
    const env = e as Envelope<unknown>;
    try {
      if (kind === 'goal') await this.goals.plan(env.body, actor);
      else if (kind === 'approve') await this.goals.approve(env.body, actor);
      else if (kind === 'rollback') await this.goals.rollback(env.body, actor);
      else throw new Error(`unknown kind of work "${kind}"`);
    } catch (err) {
      this.refused(env, kind, describe(err));
      if (fleetGoal !== null) await this.report(fleetGoal, 'result', refusal(fleetGoal, describe(err)));
    }
  }

  /** The local actor a request acts as, or why it runs nothing (audited). */
  private authorise(e: Envelope<unknown> | null, kind: string): Actor | string {
    if (e === null) {
      this.d.audit('fleet.refused', kind, { why: 'not a signed aiOS request' });
      return 'not a signed aiOS request';
    }
    if (e.kind !== kind) return this.refused(e, kind, `it says it is a ${e.kind}, but came as ${kind}`);
    const checked = this.check.check(e);
    if (!checked.ok) return this.refused(e, kind, checked.why);
    const actor = this.d.actorFor(checked.account);
    if (typeof actor === 'string') return this.refused(e, kind, actor);
    return actor;
  }

  private refused(e: Envelope<unknown>, kind: string, why: string): string {
    const message = `${kind} refused: ${why}`;
    this.d.warn(`fleet: ${message} (signer ${e.signer})`);
    this.d.audit('fleet.refused', kind, { why, signer: e.signer, node: e.node, ts: e.ts });
    return message;
  }

  private serveRpc(sub: Subscription): void {
    void (async () => {
      for await (const m of sub) {
        const e = parseEnvelope(m.data);
        const actor = this.authorise(e, 'rpc');
        let answer: unknown;
        if (typeof actor === 'string') answer = { error: { code: ErrorCode.Unauthorized, message: actor } };
        else {
          const req = RpcRequest.safeParse(e?.body);
          answer = !req.success
            ? { error: { code: ErrorCode.InvalidParams, message: 'expected {method, params}' } }
            : await this.d.rpc(actor, req.data.method, req.data.params);
        }
        m.respond(encodeEnvelope(seal(this.key, 'rpc-result', this.d.nodeName, answer)));
      }
    })();
  }

  private async report(fleetGoal: string, kind: 'plan' | 'progress' | 'result', r: NodeReport): Promise<void> {
    const js = this.js;
    if (js === null) return;
    const env = encodeEnvelope(seal(this.key, kind, this.d.nodeName, r));
    // msgID: a retry after a hub restart is stored once even if the first try was stored too.
    const msgID = `${this.d.nodeName}:${fleetGoal}:${kind}:${Date.now()}:${Math.random()}`;
    await withRetry(() => js.publish(subjects.goalOut(this.d.nodeName, fleetGoal, kind), env, { msgID }), 120_000);
    if (kind === 'result') void this.flushAudit();
  }
}

function fleetGoalOf(e: Envelope<unknown> | null): string | null {
  const body = e?.body as { fleetGoal?: unknown } | undefined;
  return typeof body?.fleetGoal === 'string' && /^[0-9A-Za-z_-]{1,64}$/.test(body.fleetGoal) ? body.fleetGoal : null;
}

const errorMessage = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
    ? (e as { message: string }).message
    : JSON.stringify(e);

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
