// The key guard on its own, stepped through with a clock the test moves: a command key acts
// only when it stands alone; anything else is text, in order, none lost.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARD, KeyGuard } from '../../src/shell/commands/key-guard.js';
import { ManualClock } from './manual-clock.js';

function setUp(times = DEFAULT_GUARD) {
  const clock = new ManualClock();
  const log: string[] = [];
  const armed: boolean[] = [];
  const guard = new KeyGuard<string>(times, clock, {
    act: (k) => log.push(`act ${k}`),
    text: (k) => log.push(`text ${k}`),
    armed: (a) => armed.push(a),
  });
  return { clock, log, armed, guard };
}

describe('key guard', () => {
  it('a key pressed alone, long after the plan appeared, acts burst_ms later', () => {
    const { clock, log, guard } = setUp();
    guard.changed();
    clock.advance(1000);
    guard.offer('a');
    expect(log).toEqual([]);
    clock.advance(249);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['act a']);
  });

  it('a key within guard_ms of the plan appearing is text at once', () => {
    const { clock, log, guard } = setUp();
    guard.changed();
    clock.advance(300);
    guard.offer('a');
    expect(log).toEqual(['text a']);
    clock.advance(2000);
    expect(log).toEqual(['text a']);
  });

  it('a burst that begins with a command key is text, every key in order', () => {
    const { clock, log, guard } = setUp();
    guard.changed();
    clock.advance(5000);
    for (const k of ['a', 'd', 'd']) {
      guard.offer(k);
      clock.advance(40);
    }
    clock.advance(2000);
    expect(log).toEqual(['text a', 'text d', 'text d']);
  });

  it('a key that is no command still ends a held key as text, and starts the quiet time', () => {
    const { clock, log, guard } = setUp();
    clock.advance(5000);
    guard.offer('a');
    clock.advance(100);
    guard.other();
    expect(log).toEqual(['text a']);
    clock.advance(500);
    guard.offer('a'); // 600 ms after the previous key
    expect(log).toEqual(['text a', 'text a']);
    clock.advance(800);
    guard.offer('a');
    clock.advance(250);
    expect(log).toEqual(['text a', 'text a', 'act a']);
  });

  it('a change on screen while a key waits makes it text', () => {
    const { clock, log, guard } = setUp();
    clock.advance(5000);
    guard.offer('Y');
    clock.advance(100);
    guard.changed();
    clock.advance(1000);
    expect(log).toEqual(['text Y']);
  });

  it('keys pressed at a steady pause of at least guard_ms each act', () => {
    const { clock, log, guard } = setUp();
    clock.advance(5000);
    guard.offer('j');
    clock.advance(700);
    guard.offer('j');
    clock.advance(700);
    expect(log).toEqual(['act j', 'act j']);
  });

  it('tells when it is armed: not after a change, armed guard_ms later', () => {
    const { clock, armed, guard } = setUp();
    guard.changed();
    expect(armed.at(-1)).toBe(false);
    clock.advance(699);
    expect(armed.at(-1)).toBe(false);
    clock.advance(1);
    expect(armed.at(-1)).toBe(true);
    guard.other();
    expect(armed.at(-1)).toBe(false);
  });

  it('with no guard (0, 0) every key acts at once', () => {
    const { log, guard } = setUp({ guardMs: 0, burstMs: 0 });
    guard.changed();
    guard.offer('a');
    guard.offer('b');
    expect(log).toEqual(['act a', 'act b']);
  });

  it('takes new timings', () => {
    const { clock, log, guard } = setUp({ guardMs: 0, burstMs: 0 });
    guard.configure({ guardMs: 100, burstMs: 50 });
    guard.changed();
    clock.advance(50);
    guard.offer('a');
    clock.advance(200);
    guard.offer('a');
    expect(log).toEqual(['text a']);
    clock.advance(50);
    expect(log).toEqual(['text a', 'act a']);
  });
});
