import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHexAddress, parseMeminfo, parseMounts, parseNetTable, parseProcStat } from '../../src/tools/procfs.js';

describe('procfs parsers', () => {
  it("decodes the kernel's host-order hex addresses", () => {
    expect(decodeHexAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeHexAddress('00000000')).toBe('0.0.0.0');
    expect(decodeHexAddress('0101A8C0')).toBe('192.168.1.1');
    expect(decodeHexAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeHexAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeHexAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    // fe80::1 with the words as the kernel prints them.
    expect(decodeHexAddress('000080FE000000000000000001000000')).toBe('fe80::1');
  });

  it('keeps listening TCP and bound UDP sockets, not connected ones', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0',
      '   1: 0100007F:D2C4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0 20 4 30 10 -1',
    ].join('\n');
    expect(parseNetTable(tcp, 'tcp')).toEqual([
      { protocol: 'tcp', address: '127.0.0.1', port: 8080, uid: 1000, inode: 4242 },
    ]);
    const udp = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 555 2 0 0',
      '  101: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 556 2 0 0',
    ].join('\n');
    expect(parseNetTable(udp, 'udp')).toEqual([{ protocol: 'udp', address: '0.0.0.0', port: 68, uid: 0, inode: 555 }]);
  });

  it('reads a process name with spaces and parentheses from /proc/<pid>/stat', () => {
    const line = '42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 10';
    expect(parseProcStat(line)).toEqual({
      comm: 'my (odd) name',
      state: 'S',
      ppid: 1,
      pgrp: 42,
      cpuTicks: 300,
      startTime: 100,
    });
    expect(parseProcStat(readFileSync('/proc/self/stat', 'utf8'))).toMatchObject({ ppid: process.ppid, state: 'R' });
  });

  it('unescapes mount points and converts meminfo to bytes', () => {
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n')).toEqual([
      { device: '/dev/sdb1', mountpoint: '/mnt/my disk', fstype: 'ext4' },
    ]);
    const info = parseMeminfo('MemTotal:        2048 kB\nHugePages_Total:       3\n');
    expect(info.get('MemTotal')).toBe(2048 * 1024);
    expect(info.get('HugePages_Total')).toBe(3);
  });
});
