import { describe, expect, it } from 'vitest';
import { hasControlText, sanitize } from '../src/text/sanitize.js';

describe('sanitize', () => {
  it('neutralises escape sequences so they cannot repaint the screen', () => {
    const evil = 'ok\u001b[2J\u001b[H\u001b]52;c;ZXZpbA==\u0007done';
    const out = sanitize(evil);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).toBe('ok^[[2J^[[H^[]52;c;ZXZpbA==^Gdone');
  });
  it('shows C1 controls, bidi overrides and zero-width characters visibly', () => {
    expect(sanitize('a\u009bb')).toBe('a<9b>b');
    expect(sanitize('evil\u202Etxt.exe')).toBe('evil<U+202E>txt.exe');
    expect(sanitize('x\u200By')).toBe('x<U+200B>y');
    expect(hasControlText('plain text')).toBe(false);
    expect(hasControlText('a\u202Eb')).toBe(true);
  });
  it('keeps newlines unless asked for a single line, and carriage returns never pass', () => {
    expect(sanitize('a\nb\r\n')).toBe('a\nb^M\n');
    expect(sanitize('a\nb', { singleLine: true })).toBe('a\\nb');
    expect(sanitize('héllo wörld ✓')).toBe('héllo wörld ✓');
  });
});
