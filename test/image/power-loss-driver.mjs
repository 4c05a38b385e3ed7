// Runs inside the node image, as an operator (ada) over SSH (`node /tmp/power-loss-driver.mjs
// MODE SOCKET PROTOCOL_VERSION ...`, this file copied there first), for the power-loss test. It speaks
// aiosd's protocol directly (newline-delimited JSON-RPC 2.0) rather than through `aios goal
// --yes`, because the test must know the moment each approval was acknowledged: the CLI
// prints only when the goal has finished. Only the bundled aiOS is in the image, so the
// project's client cannot be imported here. One JSON object per line on stdout.
//
//   load PREFIX: submit goals that write a file, approve each, print {"ack":…} as soon as
//                aiosd answers the approval and {"done":…} when the goal ends; forever.
//   check GOAL_IDS_JSON: print each goal as aiosd has it now (its steps' states too), then
//                {"verify":…} (audit/verify) and {"health":…,"problems":…} (status/get).
//   call [METHOD,PARAMS]: one call; prints {"result":…}, or {"rpcError":…} with aiosd's message.
//   wait GOAL_ID: prints {"goal":…} once the goal has ended.
import { connect } from 'node:net';

const [mode, socketPath, protocolVersion, arg] = process.argv.slice(2);
const TERMINAL = new Set(['succeeded', 'failed', 'rejected', 'rolled_back', 'not_understood', 'interrupted']);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const socket = connect(socketPath);
const pending = new Map();
const listeners = new Set();
let nextId = 1;
let buffered = '';
socket.on('data', (chunk) => {
  buffered += chunk.toString('utf8');
  for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line.trim() === '') continue;
    const msg = JSON.parse(line);
    if (msg.id !== undefined && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else p.resolve(msg.result);
    } else if (msg.method === 'event') {
      for (const l of listeners) l(msg.params);
    }
  }
});
socket.on('error', (err) => {
  out({ error: err.message });
  process.exit(3);
});
socket.on('close', () => {
  out({ error: 'aiosd closed the connection' });
  process.exit(3);
});

function call(method, params) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  });
}

/** Resolves with the goal once it is in one of `states` (checked again after subscribing). */
function goalIn(goalId, states) {
  return new Promise((resolve, reject) => {
    const check = (goal) => {
      if (goal.id === goalId && states.has(goal.state)) {
        listeners.delete(onEvent);
        resolve(goal);
      }
    };
    const onEvent = (ev) => {
      if (ev.type === 'goal.updated') check(ev.goal);
    };
    listeners.add(onEvent);
    call('goal/get', { goalId }).then(check, reject);
  });
}

await call('initialize', {
  protocolVersion: Number(protocolVersion),
  client: { name: 'power-loss-driver', version: '1' },
});
if (mode === 'load') {
  await call('events/subscribe', {});
  for (let i = 1; ; i++) {
    const path = `${process.env.HOME}/${arg}-${i}.txt`;
    let goal = await call('goal/submit', { text: `create a file ${path} containing power loss ${arg} ${i}` });
    if (goal.state !== 'awaiting_approval') goal = await goalIn(goal.id, new Set(['awaiting_approval', ...TERMINAL]));
    if (goal.state !== 'awaiting_approval' || goal.plan === null) {
      out({ error: `goal ${goal.id} is ${goal.state}: ${goal.message}` });
      process.exit(4);
    }
    const decided = await call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' });
    out({ ack: goal.id, planId: goal.plan.id, steps: decided.plan.steps.map((s) => s.id), state: decided.state });
    const final = await goalIn(goal.id, TERMINAL);
    out({ done: goal.id, state: final.state });
  }
} else if (mode === 'check') {
  for (const goalId of JSON.parse(arg)) {
    try {
      const g = await call('goal/get', { goalId });
      const steps = g.plan?.steps ?? [];
      out({
        goal: goalId,
        state: g.state,
        approvedBy: steps.map((s) => s.approvedBy),
        steps: steps.map((s) => s.state),
      });
    } catch (err) {
      out({ goal: goalId, missing: err.message });
    }
  }
  out({ verify: await call('audit/verify', {}) });
  const status = await call('status/get', {});
  out({ health: status.health, problems: status.problems });
  process.exit(0);
} else if (mode === 'call') {
  const [method, params] = JSON.parse(arg);
  try {
    out({ result: await call(method, params) });
  } catch (err) {
    out({ rpcError: err.message });
  }
  process.exit(0);
} else if (mode === 'wait') {
  await call('events/subscribe', {});
  out({ goal: await goalIn(arg, TERMINAL) });
  process.exit(0);
} else {
  out({ error: `unknown mode ${mode}` });
  process.exit(2);
}
