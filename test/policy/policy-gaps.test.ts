// The policy gaps of issue 14, one row each: what a command does to real objects (the disk
// behind /dev/../dev/vda, the code inside tar's checkpoint action, the firewall behind every
// iptables spelling) decides, not how it is written. Each row is judged by the real engine.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicyVerdict } from '../../src/policy/policy-engine.js';
import { judge, policy } from './helpers.js';

const normal = policy('normal');

type Expected = 'deny' | 'admin' | 'approval';

/** deny: refused. admin: only an admin may approve it. approval: a person must approve it (never read-only, never automatic). */
function verdictOf(v: PolicyVerdict): Expected | 'allow' {
  if (v.decision === 'deny') return 'deny';
  if (v.adminReasons.length > 0) return 'admin';
  if (!v.autoApprove && v.readOnlyShell !== true) return 'approval';
  return 'allow';
}

const TOP_LEVEL = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/lib32',
  '/libx32',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
];

const ROWS: [command: string, expected: Expected][] = [
  // Devices, however the path is written.
  ['dd if=/dev/zero of=/dev/../dev/vda', 'deny'],
  ['dd if=/dev/zero of=//dev/vda', 'deny'],
  ['dd if=/dev/zero of=/proc/self/root/dev/vda', 'deny'],
  ['dd if=/dev/zero of=/proc/1/root/proc/self/root/dev/vda bs=1M', 'deny'],
  ['cp /dev/zero /dev/vda', 'deny'],
  ['cp -t /dev/vda /tmp/x', 'deny'],
  ['tee /dev/vda', 'deny'],
  ['echo x | tee -a /tmp/log /dev/../dev/vda', 'deny'],
  ['echo x > /proc/self/root/dev/vda', 'deny'],
  ['echo x > /dev/mem', 'deny'],
  ['cat /dev/vda', 'admin'],
  ['cat < /dev/vda', 'admin'],
  // Code inside options, variables, here-strings and aliases is judged like the line.
  ["tar -cf /tmp/a.tar /etc --checkpoint=1 --checkpoint-action=exec='rm -rf /'", 'deny'],
  ["tar -xf a.tar --to-command='rm -rf /'", 'deny'],
  ["tar -cf a.tar -I 'rm -rf /' /etc", 'deny'],
  ["git -c core.pager='rm -rf /' log", 'deny'],
  ["git -c core.editor='rm -rf /' commit", 'deny'],
  ["git -c alias.x='!rm -rf /' x", 'deny'],
  ["GIT_PAGER='rm -rf /' git log", 'deny'],
  ["env GIT_PAGER='rm -rf /' git log", 'deny'],
  ["export PAGER='rm -rf /'; man ls", 'deny'],
  ["less '+!rm -rf /' /etc/hosts", 'deny'],
  ["man -P 'rm -rf /' ls", 'deny'],
  ["rsync -e 'rm -rf /' a b:", 'deny'],
  ["ssh -o ProxyCommand='rm -rf /' host", 'deny'],
  ["at now <<< 'rm -rf /'", 'deny'],
  ["batch <<< 'rm -rf /'", 'deny'],
  ['at now <<EOF\nrm -rf /\nEOF', 'deny'],
  ["bash <<< 'rm -rf /'", 'deny'],
  ['find / -exec rm -rf {} +', 'deny'],
  ['find / -execdir rm -rf {} \\;', 'deny'],
  ['find /usr -name x -ok rm -rf {} \\;', 'deny'],
  ["alias x='rm -rf /'; x", 'deny'],
  ['ip netns exec ns1 rm -rf /', 'deny'],
  // Recursive removal of / and of every FHS top-level directory.
  ...TOP_LEVEL.flatMap((dir): [string, Expected][] => [
    [`rm -rf ${dir}`, 'deny'],
    [`rm -r ${dir}/`, 'deny'],
    [`rm ${dir}/* -R`, 'deny'],
  ]),
  ['rm -rf /proc/self/root/usr', 'deny'],
  ['rm -rf /usr/../etc', 'deny'],
  ['rm --recursive --force /home', 'deny'],
  // Every firewall tool, every backend: a change needs an admin.
  ...['iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy', 'iptables-nft', 'ip6tables-nft'].flatMap(
    (p): [string, Expected][] => [
      [`${p} --flush`, 'admin'],
      [`${p} -F`, 'admin'],
      [`${p} -t nat -A POSTROUTING -j MASQUERADE`, 'admin'],
      [`${p} -P INPUT DROP`, 'admin'],
      [`${p} --fl`, 'admin'],
      [`${p} -nvZ`, 'admin'],
      [`${p}-restore < /tmp/rules`, 'admin'],
      [`${p}-save -f /etc/iptables/rules.v4`, 'admin'],
    ],
  ),
  ['ebtables -F', 'admin'],
  ['ebtables-nft -A INPUT -j DROP', 'admin'],
  ['arptables -F', 'admin'],
  ['arptables-legacy-restore', 'admin'],
  ['nft flush ruleset', 'admin'],
  ['nft add rule inet filter input drop', 'admin'],
  ['nft -f /tmp/rules.nft', 'admin'],
  ['nft -i', 'admin'],
  ['xtables-nft-multi iptables -F', 'admin'],
  ['ufw disable', 'admin'],
  ['firewall-cmd --add-port=22/tcp', 'admin'],
  // Judged read-only though they write: now each needs approval.
  ['sort -o /tmp/out /etc/hosts', 'approval'],
  ['sort -ro /tmp/out /etc/hosts', 'approval'],
  ['sort --out=/tmp/out /etc/hosts', 'approval'],
  ['file -C -m /tmp/magic', 'approval'],
  ['file --compile', 'approval'],
  ['ip netns exec ns1 touch /tmp/x', 'approval'],
  ['ip netns exec ns1 ls', 'approval'],
  ['ip -batch /tmp/cmds', 'approval'],
  ['ip -b /tmp/cmds', 'approval'],
  ['ip -force -batch -', 'approval'],
  ['ip link s eth0 down', 'approval'],
  ['ip a a 10.0.0.1/24 dev lo', 'approval'],
  ['apt-cache gencaches', 'approval'],
  ['apt-cache -o Dir::Cache=/tmp show bash', 'approval'],
  ['ss -K dst 10.0.0.1', 'approval'],
  ['ss -tnK', 'approval'],
  ['ss --kill', 'approval'],
  ['dmesg --console-off', 'approval'],
  ['dmesg --console-on', 'approval'],
  ['dmesg -HC', 'approval'],
  ['dmesg --read-c', 'approval'],
  ['date --se 2020-01-01', 'approval'],
  ['tree -o /tmp/out /etc', 'approval'],
  ['journalctl --cursor-file=/tmp/c', 'approval'],
  ['lastlog -C -u root', 'approval'],
  ['rg --pre /tmp/x pattern /etc', 'approval'],
  // Globs are expanded the way the shell would before reading protected files is judged.
  ['cat /etc/shad*', 'admin'],
  ['cat /etc/sha?ow', 'admin'],
  ['cat /e*/gshado[w]', 'admin'],
  ['cat shad*', 'admin'],
  ['head -1 /etc/{shad,pass}*', 'admin'],
  ['for f in /etc/shad*; do cat "$f"; done', 'admin'],
];

describe('the policy gaps, each with its verdict', () => {
  it.each(ROWS)('%s → %s', async (command, expected) => {
    const v = await judge(normal, command);
    expect(verdictOf(v), [...v.reasons, ...v.adminReasons].join('\n')).toBe(expected);
  });
});

describe('what still only reads, still runs on its own', () => {
  it.each([
    'sort -k2 /etc/hosts',
    'file /etc/hosts',
    'ip addr show',
    'ip -br a',
    'ip route get 1.1.1.1',
    'ip netns list',
    'apt-cache policy bash',
    'ss -tlnp',
    'dmesg -H',
    'date +%s',
    'cat /etc/host*',
    'lsblk /dev/vda',
    'ls /etc/*.conf',
  ])('%s', async (command) => {
    const v = await judge(normal, command);
    expect(verdictOf(v), [...v.reasons, ...v.adminReasons].join('\n')).toBe('allow');
  });

  it('reads the firewall without an admin, though it runs outside the sandbox', async () => {
    for (const command of [
      'iptables -L -n',
      'iptables -nvL INPUT --line-numbers',
      'iptables-save',
      'ip6tables -S',
      'nft list ruleset',
      'ufw status',
      'firewall-cmd --list-all',
    ]) {
      const v = await judge(normal, command);
      expect(v.adminReasons, command).toEqual([]);
    }
  });
});

describe('paths are judged as what they resolve to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aios-gaps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a symlink to a disk device is the disk', async () => {
    symlinkSync('/dev/vda', join(dir, 'disk'));
    expect(verdictOf(await judge(normal, `dd if=/dev/zero of=${dir}/disk`))).toBe('deny');
    expect(verdictOf(await judge(normal, `cp /dev/zero ${dir}/disk`))).toBe('deny');
  });

  it('a glob that matches a link to /etc/shadow is judged by the file it reaches', async () => {
    mkdirSync(join(dir, 'g'));
    writeFileSync(join(dir, 'g', 'a.txt'), 'x');
    symlinkSync('/etc/shadow', join(dir, 'g', 'b.txt'));
    const v = await judge(normal, `cat ${dir}/g/*.txt`);
    expect(v.adminReasons.join()).toMatch(/password hashes/);
  });
});

describe('the run gets the expansion that was judged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aios-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs one plain command with its globs expanded, and a shell line with the matches quoted in', async () => {
    const { analyseShell } = await import('../../src/policy/shell-analysis.js');
    const { argvForCommand } = await import('../../src/tools/shell-exec.js');
    writeFileSync(join(dir, 'a b.log'), '');
    writeFileSync(join(dir, 'c.log'), '');
    writeFileSync(join(dir, '.hidden.log'), '');
    expect(argvForCommand(`cat ${dir}/*.log`)).toEqual(['cat', `${dir}/a b.log`, `${dir}/c.log`]);
    const line = analyseShell(`cat ${dir}/*.log | wc -l; ls ${dir}/*.none "${dir}"/*.log '*'`);
    expect(line.direct).toBeNull();
    expect(line.runText).toBe(
      `cat '${dir}/a b.log' ${dir}/c.log | wc -l; ls '${dir}/*.none' '${dir}/a b.log' ${dir}/c.log '*'`,
    );
    expect(analyseShell(`for f in ${dir}/c*; do cat "$f"; done`).runText).toBe(
      `for f in ${dir}/c.log; do cat "$f"; done`,
    );
    // A glob next to a variable, or a relative one, is left to the shell.
    expect(analyseShell(`ls $D/*.log *.log`).runText).toBe('ls $D/*.log *.log');
  });

  it('judges a protected file read through a globbed redirection', async () => {
    expect(verdictOf(await judge(normal, 'wc -l < /etc/shad*'))).toBe('admin');
  });
});
