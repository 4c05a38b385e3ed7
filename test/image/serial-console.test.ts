// The serial console reader of the image test, on its own (fast; part of npm test).
import { describe, expect, it } from 'vitest';
import { createSerialConsole } from './serial-console.js';

describe('serial console reader', () => {
  it('keeps a character that arrives split over two reads', async () => {
    const c = createSerialConsole();
    const bytes = Buffer.from('aiOS ready (kernel start → autonomy 9.5 s)\r\n');
    const cut = bytes.indexOf(Buffer.from('→')) + 1;
    c.feed(bytes.subarray(0, cut));
    c.feed(bytes.subarray(cut));
    const r = await c.waitForOutput(/kernel start → autonomy ([\d.]+) s/, 2000);
    expect(r.match[1]).toBe('9.5');
  });

  it('reads the screen through a terminal emulator and the transcript without escapes', async () => {
    const c = createSerialConsole();
    c.feed(Buffer.from('\u001b[2J\u001b[H\u001b[1mgoal>\u001b[0m typed\r\n'));
    await c.waitForScreen(/^goal> typed/, 2000);
    expect(c.transcript()).toBe('goal> typed\n');
    await expect(c.waitForOutput(/never/, 100)).rejects.toThrow(/the serial console never showed \/never\//);
  });
});
