import { describe, expect, it } from 'vitest';
import {
  COMMANDS,
  DEFAULT_KEYMAP,
  describeKey,
  resolveKey,
  type Command,
  type Focus,
} from '../../src/shell/commands/keymap.js';
import { decodeKeys, flushKeys } from '../../src/shell/terminal/key-decode.js';

const empty = { inputEmpty: true };
const typing = { inputEmpty: false };
const arrows = { up: '↑', down: '↓' };

function cmd(key: string, focus: Focus, context = typing, input = ''): string | null {
  const r = resolveKey(input, key, focus, context);
  return r === null ? null : r.command;
}

describe('keymap', () => {
  it('binds the required keys on the plan', () => {
    expect(cmd('a', 'plan')).toBe('approveAll');
    expect(cmd('y', 'plan')).toBe('approveStep');
    expect(cmd('n', 'plan')).toBe('rejectStep');
    expect(cmd('j', 'plan')).toBe('selectNext');
    expect(cmd('down', 'plan')).toBe('selectNext');
    expect(cmd('k', 'plan')).toBe('selectPrev');
    expect(cmd('up', 'plan')).toBe('selectPrev');
    expect(cmd('r', 'plan')).toBe('rollback');
    expect(cmd('v', 'plan')).toBe('reviseGoal');
    expect(cmd('?', 'plan')).toBe('help');
    expect(cmd('q', 'plan')).toBe('quit');
    expect(cmd('ctrl+d', 'plan')).toBe('leave');
    expect(cmd('escape', 'plan')).toBe('focusInput');
  });

  it('types letters on the input line instead of running plan commands', () => {
    expect(resolveKey('a', 'a', 'input', typing)).toEqual({ command: 'insertText', text: 'a' });
    expect(resolveKey('q', 'q', 'input', empty)).toEqual({ command: 'insertText', text: 'q' });
    expect(resolveKey('ls -l', '', 'input', typing)).toEqual({ command: 'insertText', text: 'ls -l' });
  });

  it('binds the input line editing keys', () => {
    expect(cmd('return', 'input')).toBe('submit');
    expect(cmd('left', 'input')).toBe('cursorLeft');
    expect(cmd('right', 'input')).toBe('cursorRight');
    expect(cmd('home', 'input')).toBe('cursorHome');
    expect(cmd('ctrl+a', 'input')).toBe('cursorHome');
    expect(cmd('end', 'input')).toBe('cursorEnd');
    expect(cmd('ctrl+e', 'input')).toBe('cursorEnd');
    expect(cmd('ctrl+k', 'input')).toBe('killToEnd');
    expect(cmd('ctrl+u', 'input')).toBe('killToStart');
    expect(cmd('ctrl+w', 'input')).toBe('killWordBack');
    expect(cmd('backspace', 'input')).toBe('deleteBack');
    expect(cmd('delete', 'input')).toBe('deleteForward');
    expect(cmd('up', 'input')).toBe('historyPrev');
    expect(cmd('down', 'input')).toBe('historyNext');
  });

  it('makes Ctrl-D leave only on an empty line, and ? help only there', () => {
    expect(cmd('ctrl+d', 'input', empty)).toBe('leave');
    expect(cmd('ctrl+d', 'input', typing)).toBe('deleteForward');
    expect(cmd('?', 'input', empty, '?')).toBe('help');
    expect(resolveKey('?', '?', 'input', typing)).toEqual({ command: 'insertText', text: '?' });
  });

  it('closes help with Esc, ? or q and ignores plan keys there', () => {
    expect(cmd('escape', 'help')).toBe('closeHelp');
    expect(cmd('?', 'help')).toBe('closeHelp');
    expect(cmd('q', 'help')).toBe('closeHelp');
    expect(cmd('a', 'help')).toBeNull();
  });

  it('describes every bound command and never binds one key twice in a scope', () => {
    for (const bindings of Object.values(DEFAULT_KEYMAP)) {
      const keys = Object.values(bindings).flat();
      expect(new Set(keys).size).toBe(keys.length);
      for (const c of Object.keys(bindings)) expect(COMMANDS[c as Command]).toBeTruthy();
    }
  });

  it('names keys for people', () => {
    expect(describeKey('ctrl+d', arrows)).toBe('Ctrl-D');
    expect(describeKey('return', arrows)).toBe('Enter');
    expect(describeKey('up', { up: 'Up', down: 'Down' })).toBe('Up');
    expect(describeKey('meta+backspace', arrows)).toBe('Alt-BkSp');
    expect(describeKey('a', arrows)).toBe('a');
  });
});

describe('key decoding', () => {
  const keys = (text: string): string[] => decodeKeys(text).keys.map((k) => k.key || `text:${k.input}`);

  it('names control keys, arrows and editing keys as terminals send them', () => {
    expect(keys('\r')).toEqual(['return']);
    expect(keys('\u007f')).toEqual(['backspace']);
    expect(keys('\b')).toEqual(['backspace']);
    expect(keys('\u001b[3~')).toEqual(['delete']);
    expect(keys('\u0004')).toEqual(['ctrl+d']);
    expect(keys('\u0001\u0005\u000b\u0015\u0017')).toEqual(['ctrl+a', 'ctrl+e', 'ctrl+k', 'ctrl+u', 'ctrl+w']);
    expect(keys('\u001b[A\u001b[B\u001b[C\u001b[D')).toEqual(['up', 'down', 'right', 'left']);
    expect(keys('\u001bOA\u001bOH\u001bOF')).toEqual(['up', 'home', 'end']);
    expect(keys('\u001b[1~\u001b[4~\u001b[H\u001b[F')).toEqual(['home', 'end', 'home', 'end']);
    expect(keys('\u001b[5~\u001b[6~')).toEqual(['pageup', 'pagedown']);
    expect(keys('\u001b[[A\u001bOP')).toEqual(['f1', 'f1']);
    expect(keys('\u001b[1;5C')).toEqual(['ctrl+right']);
    expect(keys('\u001b\u007f')).toEqual(['meta+backspace']);
    expect(keys('\u001bb')).toEqual(['meta+b']);
  });

  it('keeps single characters as keys and pasted runs as text', () => {
    expect(decodeKeys('a').keys).toEqual([{ key: 'a', input: 'a' }]);
    expect(decodeKeys('😀').keys).toEqual([{ key: '😀', input: '😀' }]);
    expect(keys('restart nginx\r')).toEqual(['text:restart nginx', 'return']);
  });

  it('holds back an escape sequence cut off at the end of a chunk', () => {
    expect(decodeKeys('ab\u001b[')).toEqual({ keys: [{ key: '', input: 'ab' }], rest: '\u001b[' });
    expect(decodeKeys('\u001b[' + 'A').keys).toEqual([{ key: 'up', input: '' }]);
    expect(decodeKeys('\u001b').rest).toBe('\u001b');
    expect(flushKeys('\u001b')).toEqual([{ key: 'escape', input: '' }]);
    expect(flushKeys('')).toEqual([]);
  });

  it('reads Esc followed at once by a control key as two keys', () => {
    expect(keys('\u001b\u0004')).toEqual(['escape', 'ctrl+d']);
    expect(keys('\u001b\u0015\u0004')).toEqual(['escape', 'ctrl+u', 'ctrl+d']);
    expect(keys('\u001b\u001b[A')).toEqual(['escape', 'up']);
  });

  it('drops C1 control characters rather than typing them', () => {
    expect(keys('a\u009bb')).toEqual(['text:ab']);
  });
});
