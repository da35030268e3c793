/** The JSON admin API input checks (src/http/middleware/json-body.ts inspectJson / inspectQuery) and domain/text.ts. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors/app-error.ts';
import { hasLoneSurrogate, isSingleLineText, isStorableText } from '../../../src/domain/text.ts';
import { JSON_MAX_DEPTH, inspectJson, inspectQuery } from '../../../src/http/middleware/json-body.ts';

const thrown = (f: () => void): AppError => {
  try {
    f();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('did not throw');
};

describe('text rules', () => {
  it.each([
    ['plain', true, true],
    ['with \u{1F600} a pair', true, true],
    ['a\u0000b', false, false],
    ['a\ud800b', false, false],
    ['\udc00', false, false],
    ['tab\there', true, false],
    ['line\nbreak', true, false],
    ['\u0085', true, false],
    ['evil\u202etxt', true, false],
  ])('%j: storable %s, single-line %s', (s, storable, singleLine) => {
    expect(isStorableText(s)).toBe(storable);
    expect(isSingleLineText(s)).toBe(singleLine);
  });

  it('finds lone surrogates only', () => {
    expect(hasLoneSurrogate('\ud83d\ude00')).toBe(false);
    expect(hasLoneSurrogate('\ude00\ud83d')).toBe(true);
    expect(hasLoneSurrogate('x\ud83d')).toBe(true);
  });
});

describe('inspectJson', () => {
  it('accepts ordinary bodies', () => {
    expect(() => inspectJson({ data: { a: ['x', 1, null, true, { b: 'c' }] } })).not.toThrow();
  });

  it(`refuses nesting deeper than ${JSON_MAX_DEPTH} levels (iteratively: 100000 levels do not overflow the stack)`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const err = thrown(() => inspectJson(deep));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('invalid_parameter');
    expect(err.message).toBe('request body is nested more than 32 levels deep');
    let ok: unknown = 1;
    for (let i = 0; i < JSON_MAX_DEPTH; i++) ok = [ok];
    expect(() => inspectJson(ok)).not.toThrow();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere', (key) => {
    const body = JSON.parse(`{"data":{"list":[{"${key}":{"polluted":1}}]}}`);
    const err = thrown(() => inspectJson(body));
    expect(err.code).toBe('invalid_parameter');
    expect(err.message).toBe('request body must not contain "__proto__", "constructor" or "prototype" keys');
  });

  it('names every field holding NUL or an unpaired surrogate, without echoing bad keys', () => {
    const err = thrown(() => inspectJson({ data: { name: 'a\u0000', list: ['ok', '\ud800'], map: { 'k\u0000': 'v' } } }));
    expect(err.code).toBe('validation');
    expect(err.issues).toEqual([
      { field: 'data.name', message: 'must not contain NUL characters or unpaired surrogates' },
      { field: 'data.list.1', message: 'must not contain NUL characters or unpaired surrogates' },
      { field: 'data.map', message: 'names must not contain NUL characters or unpaired surrogates' },
    ]);
  });
});

describe('inspectQuery', () => {
  it('accepts ordinary queries and refuses NUL in names or values', () => {
    expect(() => inspectQuery({ q: 'chat', tag: ['a', 'b'] })).not.toThrow();
    expect(thrown(() => inspectQuery({ q: 'a\u0000' })).issues).toEqual([{ field: 'q', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(thrown(() => inspectQuery({ 'a\u0000': 'x' })).issues).toEqual([{ field: '(query)', message: 'parameter names must not contain NUL characters or unpaired surrogates' }]);
  });
});
