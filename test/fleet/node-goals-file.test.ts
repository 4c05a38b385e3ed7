// The node's fleet goal → goal map on disk: appended one line per goal (not rewritten whole), read
// back after a restart, and an older node's single JSON object still read and rewritten as lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/agents/approval-policy.js';
import type { GoalView } from '../../src/protocol/model.js';
import { NodeGoals, type GoalEngineLike } from '../../src/fleet/node-goals.js';

const actor: Actor = { uid: 0, gid: 0, groups: [], name: 'root', role: 'admin', home: '/root' };

/** Only what plan() needs: a goal that waits for a person, with no plan. */
function engine(): GoalEngineLike {
  let n = 0;
  const goals = new Map<string, GoalView>();
  return {
    submit: async (text) => {
      const now = new Date().toISOString();
      const g: GoalView = {
        id: `G${++n}`,
        text,
        state: 'awaiting_approval',
        message: null,
        submittedBy: 'root',
        createdAt: now,
        updatedAt: now,
        plan: null,
      };
      goals.set(g.id, g);
      return g;
    },
    get: (id) => goals.get(id) as GoalView,
  };
}

const call = async (): Promise<GoalView> => {
  throw new Error('not used');
};

describe('NodeGoals file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'aios-node-goals-'));
    dirs.push(d);
    return d;
  };

  it('appends one line per goal and reads them back after a restart', async () => {
    const file = join(dir(), 'goals.json');
    const reports: string[] = [];
    const make = () =>
      new NodeGoals({
        engine: engine(),
        call,
        file,
        report: async (fg) => void reports.push(fg),
        log: () => undefined,
      });
    const a = make();
    await a.plan({ fleetGoal: 'F1', text: 'one' }, actor);
    await a.plan({ fleetGoal: 'F2', text: 'two' }, actor);
    expect(readFileSync(file, 'utf8')).toBe('["F1","G1"]\n["F2","G2"]\n');
    const b = make();
    expect(b.goalOf('F1')).toBe('G1');
    expect(b.goalOf('F2')).toBe('G2');
    expect(reports).toEqual(['F1', 'F2']);
  });

  it("reads an older node's single JSON object and rewrites it as lines", () => {
    const file = join(dir(), 'goals.json');
    writeFileSync(file, JSON.stringify({ OLD1: 'G7', OLD2: 'G8' }) + '\n');
    const g = new NodeGoals({ engine: engine(), call, file, report: async () => undefined, log: () => undefined });
    expect(g.goalOf('OLD1')).toBe('G7');
    expect(g.goalOf('OLD2')).toBe('G8');
    expect(readFileSync(file, 'utf8')).toBe('["OLD1","G7"]\n["OLD2","G8"]\n');
  });

  it('skips a line a crash cut short, and ends the file on a whole line', () => {
    const file = join(dir(), 'goals.json');
    writeFileSync(file, '["F1","G1"]\n["F2","G');
    const g = new NodeGoals({ engine: engine(), call, file, report: async () => undefined, log: () => undefined });
    expect(g.goalOf('F1')).toBe('G1');
    expect(g.goalOf('F2')).toBeUndefined();
    // Rewritten whole, so the next goal's line does not join the cut one.
    expect(readFileSync(file, 'utf8')).toBe('["F1","G1"]\n');
  });
});
