import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPowerButtons, powerKeyDecoder, watchPowerButton } from '../../init/pid1/power-button.js';

function inputEvent(type: number, code: number, value: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(type, 16);
  b.writeUInt16LE(code, 18);
  b.writeInt32LE(value, 20);
  return b;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeSys(devices: Record<string, string>): string {
  const sys = mkdtempSync(join(tmpdir(), 'aios-sys-'));
  dirs.push(sys);
  for (const [ev, name] of Object.entries(devices)) {
    mkdirSync(join(sys, 'class/input', ev, 'device'), { recursive: true });
    writeFileSync(join(sys, 'class/input', ev, 'device/name'), `${name}\n`);
  }
  return sys;
}

describe('the ACPI power button', () => {
  it('is found by its input device name, among keyboards and mice', () => {
    const sys = fakeSys({
      event0: 'AT Translated Set 2 keyboard',
      event1: 'Power Button',
      event2: 'ImExPS/2 Generic Explorer Mouse',
      event3: 'Power Button',
    });
    expect(findPowerButtons(sys, '/dev')).toEqual(['/dev/input/event1', '/dev/input/event3']);
    expect(findPowerButtons(join(sys, 'missing'), '/dev')).toEqual([]);
  });

  it('counts a KEY_POWER press once, across split reads, and ignores releases, repeats and other keys', () => {
    let presses = 0;
    const decode = powerKeyDecoder(() => {
      presses++;
    });
    const stream = Buffer.concat([
      inputEvent(1, 116, 1),
      inputEvent(0, 0, 0),
      inputEvent(1, 116, 0), // press, sync, release
      inputEvent(1, 28, 1), // Enter
      inputEvent(1, 116, 2), // autorepeat
      inputEvent(1, 116, 1),
    ]);
    for (let i = 0; i < stream.length; i += 7) decode(stream.subarray(i, i + 7));
    expect(presses).toBe(2);
  });

  it('reads presses from the device and says so when there is none', async () => {
    const sys = fakeSys({ event4: 'Power Button' });
    const dev = mkdtempSync(join(tmpdir(), 'aios-dev-'));
    dirs.push(dev);
    mkdirSync(join(dev, 'input'));
    writeFileSync(join(dev, 'input/event4'), Buffer.concat([inputEvent(1, 116, 1), inputEvent(1, 116, 0)]));
    const lines: string[] = [];
    const stop = new AbortController();
    let pressed!: () => void;
    const press = new Promise<void>((r) => {
      pressed = r;
    });
    const found = await watchPowerButton({
      onPress: () => pressed(),
      log: (l) => lines.push(l),
      signal: stop.signal,
      sysRoot: sys,
      devRoot: dev,
      waitMs: 0,
      loadDrivers: false,
    });
    expect(found).toEqual([join(dev, 'input/event4')]);
    await press;
    stop.abort();
    expect(lines.join('\n')).toMatch(/power button: .*event4 \(a press powers the node off in order\)/);

    const none: string[] = [];
    expect(
      await watchPowerButton({
        onPress: () => undefined,
        log: (l) => none.push(l),
        signal: stop.signal,
        sysRoot: fakeSys({}),
        devRoot: dev,
        waitMs: 0,
        loadDrivers: false,
      }),
    ).toEqual([]);
    const live = new AbortController();
    await watchPowerButton({
      onPress: () => undefined,
      log: (l) => none.push(l),
      signal: live.signal,
      sysRoot: fakeSys({}),
      devRoot: dev,
      waitMs: 0,
      loadDrivers: false,
    });
    expect(none).toEqual(['power button: none found; the ACPI power button is ignored']);
  });
});
