// [security] auto_patch's keys as config.toml gives them, and the window: when a run may start,
// once per window, across midnight too.
import { describe, expect, it } from 'vitest';
import { AutoPatch, parseWindow, type Window } from '../../src/config/patch-schema.js';
import { nextWindowAt, windowStartAt } from '../../src/agents/patch/patch-window.js';
import { chooseUpgrades } from '../../src/agents/patch/patch-plan.js';
import { parseSimulation } from '../../src/tools/apt.js';

const at = (hhmm: string, day = 5): Date => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(2026, 11, day, h ?? 0, m ?? 0, 17);
};

describe('auto_patch settings', () => {
  it("takes the seed's booleans and the three modes, and nothing else", () => {
    expect(AutoPatch.parse(true)).toBe('security');
    expect(AutoPatch.parse(false)).toBe('off');
    expect(AutoPatch.parse('all')).toBe('all');
    expect(AutoPatch.parse('off')).toBe('off');
    expect(AutoPatch.safeParse('yes').success).toBe(false);
  });

  it('reads a window, and says what is wrong with a bad one', () => {
    expect(parseWindow('02:00-04:30')).toEqual({ start: 120, end: 270 });
    expect(parseWindow('23:00-01:00')).toEqual({ start: 1380, end: 60 });
    expect(parseWindow('2-4')).toMatch(/expected a window such as "02:00-04:00"/);
    expect(parseWindow('24:00-01:00')).toMatch(/expected a window/);
    expect(parseWindow('03:00-03:00')).toMatch(/empty/);
  });
});

describe('the patch window', () => {
  const night = parseWindow('02:00-04:00') as Window;
  const midnight = parseWindow('23:00-01:00') as Window;

  it('is open from its start until just before its end, and names the start of the window it is in', () => {
    expect(windowStartAt(night, at('01:59'))).toBeNull();
    expect(windowStartAt(night, at('02:00'))).toBe(at('02:00').setSeconds(0, 0));
    expect(windowStartAt(night, at('03:59'))).toBe(at('02:00').setSeconds(0, 0));
    expect(windowStartAt(night, at('04:00'))).toBeNull();
  });

  it('spans midnight: after it, the window began the day before', () => {
    expect(windowStartAt(midnight, at('23:30'))).toBe(at('23:00').setSeconds(0, 0));
    expect(windowStartAt(midnight, at('00:30', 6))).toBe(at('23:00', 5).setSeconds(0, 0));
    expect(windowStartAt(midnight, at('01:00', 6))).toBeNull();
  });

  it('opens next today when its start is still to come, else tomorrow', () => {
    expect(nextWindowAt(night, at('01:00'))).toBe(at('02:00').setSeconds(0, 0));
    expect(nextWindowAt(night, at('02:30'))).toBe(at('02:00', 6).setSeconds(0, 0));
  });
});

describe('choosing the upgrades', () => {
  const changes = parseSimulation(
    [
      'Inst libssl3 [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])',
      'Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])',
      'Inst newdep (1.0 Debian:12.11/stable [amd64])',
    ].join('\n'),
  );

  it('security: only what a security archive offers; all: every upgrade; never a new package by itself', () => {
    expect(chooseUpgrades(changes, 'security').map((c) => c.name)).toEqual(['libssl3']);
    expect(chooseUpgrades(changes, 'all').map((c) => c.name)).toEqual(['libssl3', 'tzdata']);
  });
});
