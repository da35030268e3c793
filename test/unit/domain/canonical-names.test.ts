/**
 * Canonical login names (src/domain/user.ts canonicalLoginName / canonicalUsername,
 * src/domain/environment.ts canonicalDomain / domainProblem) and the confusable-name checks, with
 * fast-check properties for idempotence and for the variants that must collapse together.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDomain, domainProblem } from '../../../src/domain/environment.ts';
import { canonicalLoginName, canonicalUsername, confusableNameProblem, confusableScriptsOf, usernameProblem } from '../../../src/domain/user.ts';

describe('canonicalLoginName', () => {
  it.each([
    ['ALICE', 'alice'],
    ['\uff41\uff4c\uff49\uff43\uff45', 'alice'],
    ['\uff21\uff2c\uff29\uff23\uff25', 'alice'],
    ['ali\u200bce', 'alice'],
    ['\u200calice\u200d', 'alice'],
    ['\ufeffalice', 'alice'],
    ['ali\u00adce', 'alice'],
    ['alice\ufe0f', 'alice'],
    ['\u202ealice\u202c', 'alice'],
    ['  alice\u00a0', 'alice'],
    ['al\u0131ce', 'alice'],
    ['jose\u0301', 'jos\u00e9'],
    ['JOS\u00c9', 'jos\u00e9'],
    ['Stra\u00dfe', 'strasse'],
    ['STRA\u1e9eE', 'strasse'],
    ['\u039f\u0394\u039f\u03a3', '\u03bf\u03b4\u03bf\u03c3'],
    ['\u03bf\u03b4\u03bf\u03c2', '\u03bf\u03b4\u03bf\u03c3'],
    ['\ufb01le', 'file'],
    ['\u2460', '1'],
    ['a  \t b', 'a b'],
  ])('%j → %j', (input, expected) => {
    expect(canonicalLoginName(input)).toBe(expected);
    expect(canonicalUsername(input)).toBe(expected);
    expect(canonicalDomain(input)).toBe(expected);
  });

  it('keeps different scripts apart (Cyrillic а is not Latin a)', () => {
    expect(canonicalLoginName('\u0430lice')).not.toBe('alice');
    expect(canonicalLoginName('\u03b1lice')).not.toBe('alice');
  });

  it('is idempotent (property, 1000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: 'grapheme' }), (s) => {
        const once = canonicalLoginName(s);
        expect(canonicalLoginName(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores case, width, surrounding space and invisible characters (property, 500 runs)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
    const toFullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const invisible = fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\ufe0f');
    fc.assert(
      fc.property(name, fc.nat(), invisible, fc.constantFrom(' ', '\u00a0', '\u3000', '\t'), (n, at, zw, space) => {
        const i = at % (n.length + 1);
        for (const variant of [n.toUpperCase(), toFullWidth(n), `${n.slice(0, i)}${zw}${n.slice(i)}`, `${space}${n}${space}`]) {
          expect(canonicalLoginName(variant)).toBe(n);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('confusable names', () => {
  it('finds the confusable scripts of a name', () => {
    expect(confusableScriptsOf('alice')).toEqual(['Latin']);
    expect(confusableScriptsOf('\u0430lice')).toEqual(['Latin', 'Cyrillic']);
    expect(confusableScriptsOf('\u03b1\u03bb\u03af\u03ba\u03b7')).toEqual(['Greek']);
    expect(confusableScriptsOf('\u7530\u4e2d-42')).toEqual([]);
  });

  it.each([
    ['ali\u200bce', 'must not contain invisible or bidirectional formatting characters (such as U+200B ZERO WIDTH SPACE)'],
    ['\u202ealice', 'must not contain invisible or bidirectional formatting characters (such as U+200B ZERO WIDTH SPACE)'],
    ['\u0430lice', 'must not mix Latin and Cyrillic letters (they look alike)'],
    ['\u03b1lice', 'must not mix Latin and Greek letters (they look alike)'],
    ['\u0430\u03b1', 'must not mix Greek and Cyrillic letters (they look alike)'],
  ])('refuses %j', (name, problem) => {
    expect(confusableNameProblem(name)).toBe(problem);
    expect(usernameProblem(name)).toBe(problem);
  });

  it.each(['alice', '\u0430\u043b\u0438\u0441\u0430', '\u03b1\u03bb\u03af\u03ba\u03b7', '\u7530\u4e2d', 'ali ce', 'O\u2019Brien', 'jos\u00e9', 'user_42'])('accepts %j', (name) => {
    expect(confusableNameProblem(name)).toBeUndefined();
    expect(usernameProblem(name)).toBeUndefined();
  });

  it('refuses a full-width backslash in a username (it is a backslash after NFKC)', () => {
    expect(usernameProblem('a\uff3cb')).toBe('must not contain a backslash (it separates the domain at login)');
  });

  it('refuses a username whose canonical form is empty', () => {
    expect(usernameProblem('\u3164')).toMatch(/^must not/);
  });
});

describe('domainProblem', () => {
  it.each(['t100', 'T100', '\uff54\uff11\uff10\uff10', 'acme-1', '\u0442\u0435\u0441\u0442'])('accepts %j', (d) => {
    expect(domainProblem(d)).toBeUndefined();
  });

  it.each([
    ['a.b', 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['a\uff0eb', 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['a\uff3cb', 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['a b', 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['x'.repeat(65), 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['\ufb03'.repeat(30), 'must be 1-64 characters without ".", "\\", "/" or whitespace'],
    ['t1\u200b00', 'must not contain invisible or bidirectional formatting characters (such as U+200B ZERO WIDTH SPACE)'],
    ['t\u0435st', 'must not mix Latin and Cyrillic letters (they look alike)'],
    ['a\ud800', 'must be valid Unicode (no unpaired surrogates)'],
  ])('refuses %j', (d, problem) => {
    expect(domainProblem(d)).toBe(problem);
  });
});
