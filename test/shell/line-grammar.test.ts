// Line mode's grammar: a line is a command only when it has exactly a command's shape;
// anything else is a goal, and `goal <text>` makes any text a goal.
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/shell/line-mode/line-grammar.js';

const ID = '01M86CE1SS4RNT3XYAMRHWD5E8';
const known = (typed: string): string | null =>
  typed.toUpperCase() === ID || typed.toUpperCase() === ID.slice(-8) ? ID : null;

describe('parseLine', () => {
  it('takes exact command shapes as commands', () => {
    expect(parseLine('rollback', known)).toEqual({ kind: 'rollback' });
    expect(parseLine(`rollback ${ID.slice(-8)}`, known)).toEqual({ kind: 'rollback', goalId: ID });
    expect(parseLine(`  rollback ${ID.slice(-8).toLowerCase()}  `, known)).toEqual({ kind: 'rollback', goalId: ID });
    expect(parseLine(`revise ${ID}`, known)).toEqual({ kind: 'revise', goalId: ID });
    expect(parseLine('revise', known)).toEqual({ kind: 'revise' });
    expect(parseLine('cancel', known)).toEqual({ kind: 'cancel' });
    expect(parseLine(`trace ${ID.slice(-8)}`, known)).toEqual({ kind: 'trace', goalId: ID });
    expect(parseLine('approve', known)).toEqual({ kind: 'decide', decision: 'approve' });
    expect(parseLine('Approve s2', known)).toEqual({ kind: 'decide', decision: 'approve', stepId: 's2' });
    expect(parseLine('reject s1', known)).toEqual({ kind: 'decide', decision: 'reject', stepId: 's1' });
    expect(parseLine('skip s3', known)).toEqual({ kind: 'decide', decision: 'skip', stepId: 's3' });
    expect(parseLine('edit s1 {"path": "/tmp/x y"}', known)).toEqual({
      kind: 'edit',
      stepId: 's1',
      json: '{"path": "/tmp/x y"}',
    });
    expect(parseLine('?', known)).toEqual({ kind: 'help' });
    expect(parseLine('exit', known)).toEqual({ kind: 'quit' });
    expect(parseLine('goals', known)).toEqual({ kind: 'goals' });
    expect(parseLine('   ', known)).toBeNull();
  });

  it('a full goal id it has not seen is still a command: aiosd says whether there is such a goal', () => {
    expect(parseLine('rollback 01ARZ3NDEKTSV4RRFFQ69G5FAV', known)).toEqual({
      kind: 'rollback',
      goalId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    });
  });

  it('takes a line that begins with a command word but has another shape as a goal, and says so', () => {
    expect(parseLine('rollback the nginx config change', known)).toEqual({
      kind: 'goal',
      text: 'rollback the nginx config change',
      note: '"rollback ..." is not the rollback command (rollback [goal]): sent as a goal',
    });
    // Eight letters a goal id could be made of, but no goal this session knows.
    expect(parseLine('rollback database', known)).toMatchObject({ kind: 'goal', text: 'rollback database' });
    expect(parseLine('show /etc/hostname', known)).toMatchObject({ kind: 'goal', text: 'show /etc/hostname' });
    expect(parseLine('help me find large files', known)).toMatchObject({
      kind: 'goal',
      text: 'help me find large files',
    });
    expect(parseLine('approve all the updates', known)).toMatchObject({
      kind: 'goal',
      text: 'approve all the updates',
    });
    expect(parseLine('edit the motd to say hello', known)).toMatchObject({
      kind: 'goal',
      text: 'edit the motd to say hello',
    });
    expect(parseLine('disk usage', known)).toEqual({ kind: 'goal', text: 'disk usage' });
  });

  it('`goal <text>` sends any text as a goal, command words included', () => {
    expect(parseLine('goal rollback', known)).toEqual({ kind: 'goal', text: 'rollback' });
    expect(parseLine('goal  help  ', known)).toEqual({ kind: 'goal', text: 'help' });
    expect(parseLine(`goal rollback ${ID.slice(-8)}`, known)).toEqual({
      kind: 'goal',
      text: `rollback ${ID.slice(-8)}`,
    });
  });

  it('a command meant as one but incomplete or malformed gets its usage, never an action or a goal', () => {
    expect(parseLine('goal', known)).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('goal <text>') as unknown as string,
    });
    expect(parseLine('skip', known)).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('skip <step>') as unknown as string,
    });
    expect(parseLine('edit', known)).toMatchObject({ kind: 'usage' });
    expect(parseLine('edit s1', known)).toMatchObject({
      kind: 'usage',
      message: expect.stringContaining('edit <step> <json>') as unknown as string,
    });
    expect(parseLine('approve s1 s2', known)).toMatchObject({ kind: 'usage' });
    expect(parseLine(`rollback ${ID.slice(-8)} now`, known)).toMatchObject({ kind: 'usage' });
  });
});
