import { describe, expect, it } from 'vitest';
import { USER_ACCOUNT_PREFIX, USERNAME_MAX_LENGTH, canonicalUsername, userAccountId, usernameProblem } from '../../../src/domain/user.ts';

describe('canonicalUsername', () => {
  it('folds case', () => {
    expect(canonicalUsername('Alice')).toBe('alice');
    expect(canonicalUsername('DEFAULT')).toBe(canonicalUsername('default'));
  });

  it('normalises to NFC, so composed and decomposed forms are one name', () => {
    expect(canonicalUsername('Jos\u00e9')).toBe(canonicalUsername('JOSE\u0301'));
    expect(canonicalUsername('JOSE\u0301')).toBe('jos\u00e9');
  });

  it('trims and collapses white space (a trailing space is not another account)', () => {
    expect(canonicalUsername(' a ')).toBe('a');
    expect(canonicalUsername('a \u00a0\u3000 b')).toBe('a b');
  });
});

describe('usernameProblem', () => {
  it.each(['default', 'Agent.Smith', 'SIP_5000', 'jos\u00e9', 'u'.repeat(USERNAME_MAX_LENGTH), 'a b', '\u{1F600}'])('accepts %j', (name) => {
    expect(usernameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['u'.repeat(USERNAME_MAX_LENGTH + 1), 'must be at most 255 characters'],
    ['t100\\bob', 'must not contain a backslash (it separates the domain at login)'],
    ['bo\u0000b', 'must not contain control characters'],
    ['bo\nb', 'must not contain control characters'],
    ['bo\u0085b', 'must not contain control characters'],
    ['bo\ud800b', 'must be valid Unicode (no unpaired surrogates)'],
  ])('refuses %j', (name, problem) => {
    expect(usernameProblem(name)).toBe(problem);
  });
});

describe('userAccountId', () => {
  it('prefixes the user id like the tokens store it', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(userAccountId(id)).toBe(`user:${id}`);
    expect(userAccountId(id).startsWith(USER_ACCOUNT_PREFIX)).toBe(true);
  });
});
