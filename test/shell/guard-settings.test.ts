// Where the key guard's timings come from: [shell] guard_ms and burst_ms in config.toml (checked
// like every key), or AIOS_GUARD_MS / AIOS_BURST_MS in the shell's environment, which then stay.
import { describe, expect, it } from 'vitest';
import { AiosConfig } from '../../src/config/config-schema.js';
import { guardTimes } from '../../src/shell/run-shell.js';

describe('the key guard settings', () => {
  it('defaults to 700 and 250 ms, and refuses nonsense with the key named', () => {
    const parsed = AiosConfig.parse({ shell: {} });
    expect(parsed.shell).toMatchObject({ guard_ms: 700, burst_ms: 250 });
    expect(AiosConfig.parse({ shell: { guard_ms: 0, burst_ms: 0 } }).shell).toMatchObject({ guard_ms: 0, burst_ms: 0 });
    const bad = AiosConfig.safeParse({ shell: { guard_ms: -1 } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues[0]?.path)).toBe('["shell","guard_ms"]');
    expect(AiosConfig.safeParse({ shell: { burst_ms: 'soon' } }).success).toBe(false);
  });

  it('the environment wins and is kept; otherwise the defaults, until aiosd says its own', () => {
    expect(guardTimes({})).toEqual({ guardMs: 700, burstMs: 250, fixed: false });
    expect(guardTimes({ AIOS_GUARD_MS: '', AIOS_BURST_MS: '' })).toEqual({ guardMs: 700, burstMs: 250, fixed: false });
    expect(guardTimes({ AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' })).toEqual({ guardMs: 0, burstMs: 0, fixed: true });
    expect(guardTimes({ AIOS_GUARD_MS: '1000' })).toEqual({ guardMs: 1000, burstMs: 250, fixed: true });
    expect(guardTimes({ AIOS_GUARD_MS: 'fast' })).toEqual({ guardMs: 700, burstMs: 250, fixed: false });
  });
});
