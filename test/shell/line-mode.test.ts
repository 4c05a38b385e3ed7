// Line mode's session with a scripted client: what it refuses before sending anything (a viewer's
// approval, a risky step without YES), what untrusted text looks like when printed, Ctrl-C while
// a goal is planned, and a hang-up followed by a reconnect. The real daemon and pty: test/e2e/line-mode.test.ts.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { runLineMode } from '../../src/shell/line-mode/line-mode.js';
import { FakeClient } from './fake-client.js';
import { awaitingGoal, goal } from './fixtures.js';

const ID = '01M86CE1SS4RNT3XYAMRHWD5E8';

interface Session {
  type: (line: string) => void;
  printed: () => string;
  until: (pattern: RegExp) => Promise<void>;
  done: Promise<number>;
  interrupts: EventEmitter;
}

const open: Session[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    s.type('quit');
    await s.done;
  }
});

/** Each dial gets the next client; a promise is a dial that waits until the test settles it. */
function session(clients: (FakeClient | Promise<FakeClient>)[], setupDeadlineMs?: number): Session {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const interrupts = new EventEmitter();
  const queue = [...clients];
  const done = runLineMode({
    connect: () => {
      const next = queue.shift();
      return next === undefined ? Promise.reject(new Error('connection refused')) : Promise.resolve(next);
    },
    input,
    output,
    retryMs: 5,
    interrupts,
    ...(setupDeadlineMs === undefined ? {} : { setupDeadlineMs }),
  });
  const s: Session = {
    type: (line) => {
      input.write(`${line}\n`);
    },
    printed: () => text,
    until: async (pattern) => {
      for (let i = 0; i < 200; i++) {
        if (pattern.test(text)) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`never printed ${pattern}; printed:\n${text}`);
    },
    done,
    interrupts,
  };
  open.push(s);
  return s;
}

describe('line mode', () => {
  it('says so and retries when aiosd accepts the connection but never answers', async () => {
    const stalled = new FakeClient({ 'events/subscribe': () => new Promise(() => undefined) });
    const s = session([stalled, new FakeClient()], 100);
    await s.until(/aiosd unreachable: aiosd did not answer within 100 ms; retrying/);
    await s.until(/connected to aiosd as alice/);
    expect(stalled.closed).toBe(true);
  });

  it('refuses a viewer before an approval, a rejection or a rollback is sent', async () => {
    const shown = { ...awaitingGoal(ID), id: ID };
    const c = new FakeClient({ 'goal/submit': () => shown }, 'viewer');
    const s = session([c]);
    await s.until(/connected to aiosd as alice \(viewer\)/);
    s.type('install nginx and start it');
    await s.until(/approve with 'approve'/);
    s.type('approve');
    await s.until(/your role is viewer: you can review plans but not approve or reject them/);
    s.type('reject s1');
    s.type('rollback');
    s.type('revise');
    await s.until(/no failed goal shown/);
    expect(c.calls('plan/decide')).toEqual([]);
    expect(c.calls('goal/rollback')).toEqual([]);
    expect(c.calls('goal/revise')).toEqual([]);
  });

  it('approves a high-risk step only after its id or yes is typed; anything else sends nothing', async () => {
    const shown = { ...awaitingGoal(ID), id: ID };
    const c = new FakeClient({ 'goal/submit': () => shown, 'plan/decide': () => ({ ...shown, state: 'running' }) });
    const s = session([c]);
    await s.until(/connected/);
    s.type('install nginx and start it');
    await s.until(/approve with 'approve'/);
    s.type('approve s2');
    await s.until(/s2 service\.restart is high risk or NOT reversible\. Type s2 \(the step's id\) or yes/);
    s.type('Y');
    await s.until(/cancelled: nothing was approved \(it takes s2 or yes\)/);
    expect(c.calls('plan/decide')).toEqual([]);
    s.type('approve s2');
    s.type('s2');
    await s.until(/approved s2/);
    expect(c.calls('plan/decide')).toEqual([
      { planId: `p-${ID}`, planHash: shown.plan?.hash, decision: 'approve', stepIds: ['s2'], confirm: true },
    ]);
  });

  it("cancel sends goal/cancel for the goal shown while it awaits approval, and prints aiosd's answer", async () => {
    const shown = { ...awaitingGoal(ID), id: ID };
    const c = new FakeClient({
      'goal/submit': () => shown,
      'goal/cancel': () => {
        throw new Error('only a goal being planned can be cancelled');
      },
    });
    const s = session([c]);
    await s.until(/connected/);
    s.type('install nginx and start it');
    await s.until(/approve with 'approve'/);
    s.type('cancel');
    await s.until(/! cancel failed: only a goal being planned can be cancelled/);
    expect(c.calls('goal/cancel')).toEqual([{ goalId: ID }]);
    c.answers['goal/cancel'] = () => ({
      ...shown,
      state: 'cancelled',
      message: 'cancelled by alice: nothing ran',
      updatedAt: '2025-01-01T00:00:03.000Z',
    });
    s.type('cancel');
    await s.until(/cancelled goal MRHWD5E8: install nginx and start it \(cancelled by alice: nothing ran\)/);
  });

  it('edit sends new arguments (checked to be a JSON object first) and shows the new plan to approve again', async () => {
    const shown = { ...awaitingGoal(ID), id: ID };
    const edited = {
      ...shown,
      plan: shown.plan === null ? null : { ...shown.plan, id: 'p-edited', hash: 'ffee00112233445566778899' },
    };
    const c = new FakeClient({ 'goal/submit': () => shown, 'plan/edit': () => edited });
    const s = session([c]);
    await s.until(/connected/);
    s.type('install nginx and start it');
    await s.until(/approve with 'approve'/);
    s.type('edit s1 {"path": "/etc/nginx/conf.d/other.conf"');
    await s.until(/! not valid JSON .*: nothing was changed/);
    s.type('edit s1 {} extra');
    await s.until(/! not valid JSON/);
    expect(c.calls('plan/edit')).toEqual([]);
    s.type('edit s1 {"path": "/etc/nginx/conf.d/other.conf", "content": "x"}');
    await s.until(/new plan, hash ffee00112233: review it and approve again/);
    expect(c.calls('plan/edit')).toEqual([
      {
        planId: `p-${ID}`,
        planHash: shown.plan?.hash,
        stepId: 's1',
        args: { path: '/etc/nginx/conf.d/other.conf', content: 'x' },
      },
    ]);
  });

  it('another session decided first: says so and by whom', async () => {
    const shown = { ...awaitingGoal(ID), id: ID };
    const decided = {
      ...shown,
      state: 'running' as const,
      updatedAt: '2025-01-01T00:00:06.000Z',
      plan:
        shown.plan === null
          ? null
          : {
              ...shown.plan,
              steps: shown.plan.steps.map((st) => ({ ...st, state: 'approved' as const, approvedBy: 'bob' })),
            },
    };
    const c = new FakeClient({
      'goal/submit': () => shown,
      'plan/decide': () => {
        throw Object.assign(new Error('goal is running: its plan was already decided'), {
          code: -32005,
          data: { goal: decided },
        });
      },
    });
    const s = session([c]);
    await s.until(/connected/);
    s.type('install nginx and start it');
    await s.until(/approve with 'approve'/);
    s.type('reject');
    await s.until(/! reject failed: goal is running: its plan was already decided \(decided by bob\)/);
    s.type('reject');
    await s.until(/nothing to decide: goal MRHWD5E8 is running/);
    expect(c.calls('plan/decide')).toHaveLength(1);
  });

  it('prints untrusted text from the daemon harmlessly: no escape, no OSC 52, bidi and zero-width shown', async () => {
    const evil: GoalView = goal({
      id: ID,
      text: 'read \u001b[2J\u001b[Hthe file',
      state: 'failed',
      message: 'APPROVED\u001b]52;c;ZXZpbA==\u0007 by admin\u202E\u200B',
    });
    const c = new FakeClient({
      'goal/submit': () => evil,
      'goal/trace': () => ({
        goal: evil,
        items: [
          {
            ts: 't',
            source: 'tool',
            kind: 'fs.read',
            actor: 'root\u001b[31m',
            summary: 'x\u001b]0;title\u0007',
            seq: 3,
          },
        ],
      }),
      'rollback/preview': () => ({
        goalId: ID,
        steps: ['s1'],
        restore: ['/tmp/\u001b[2Jx'],
        remove: [],
        create: [],
        states: [],
        irreversible: [],
        problems: [],
      }),
      'goal/rollback': () => {
        throw new Error('refused: \u001b[2Jnope');
      },
    });
    const s = session([c]);
    await s.until(/connected/);
    s.type('read the file');
    await s.until(/\[failed\]/);
    s.type('trace');
    await s.until(/decision trace/);
    s.type('rollback');
    await s.until(/Type yes to roll back/);
    s.type('yes');
    await s.until(/roll back failed/);
    const text = s.printed();
    // eslint-disable-next-line no-control-regex -- the point is that none of these reach the terminal
    expect(text).not.toMatch(/[\u001b\u0007\u202e\u200b]/);
    expect(text).toContain('read ^[[2J^[[Hthe file');
    expect(text).toContain('^[]52;c;ZXZpbA==^G by admin<U+202E><U+200B>');
    expect(text).toContain('root^[[31m: x^[]0;title^G');
    expect(text).toContain('! roll back failed: refused: ^[[2Jnope');
    expect(text).toContain('restores /tmp/^[[2Jx');
  });

  it('Ctrl-C while a goal is planned cancels it instead of leaving', async () => {
    let answer: (g: GoalView) => void = () => undefined;
    const planning = goal({ id: ID, text: 'tidy the logs', state: 'planning' });
    const c = new FakeClient({
      'goal/submit': () =>
        new Promise<GoalView>((r) => {
          answer = r;
        }),
      'goal/cancel': () => ({ ...planning, state: 'cancelled', updatedAt: '2025-01-01T00:00:02.000Z' }),
    });
    const s = session([c]);
    await s.until(/connected/);
    s.interrupts.emit('SIGINT');
    await s.until(/nothing of yours is being planned; type 'quit' to leave/);
    s.type('tidy the logs');
    c.emit({ type: 'goal.updated', goal: planning });
    await s.until(/planning "tidy the logs"\.\.\. type 'cancel'/);
    s.interrupts.emit('SIGINT');
    await s.until(/cancelled goal MRHWD5E8: tidy the logs \(nothing ran\)/);
    expect(c.calls('goal/cancel')).toEqual([{ goalId: ID }]);
    answer({ ...planning, state: 'cancelled', updatedAt: '2025-01-01T00:00:02.000Z' });
    await s.until(/\[cancelled\] tidy the logs/);
    expect(s.interrupts.listenerCount('SIGINT')).toBe(1);
  });

  it('says when aiosd goes away, queues goals typed meanwhile, and sends them once it is back', async () => {
    const first = new FakeClient({});
    const second = new FakeClient({
      'goal/submit': (p) =>
        goal({ id: ID, text: (p as { text: string }).text, state: 'not_understood', message: 'no rule' }),
    });
    let back: (c: FakeClient) => void = () => undefined;
    const s = session([
      first,
      new Promise<FakeClient>((r) => {
        back = r;
      }),
    ]);
    await s.until(/connected to aiosd/);
    first.hangUp('aiosd stopped');
    await s.until(/aiosd went away/);
    s.type('disk usage');
    await s.until(/aiosd is unreachable: queued \(1\)/);
    s.type('approve');
    await s.until(/no plan shown/);
    back(second);
    await s.until(/aiosd is back: reconnected as alice/);
    await s.until(/\[not understood\] disk usage/);
    expect(second.calls('goal/submit')).toEqual([{ text: 'disk usage' }]);
    expect(first.calls('goal/submit')).toEqual([]);
  });
});
