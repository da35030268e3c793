import { describe, expect, it } from 'vitest';
import { parseBasic, parseBearer } from '../../../src/http/middleware/credentials.ts';

describe('Authorization header parsing (RFC 7617, RFC 6750)', () => {
  it('decodes Basic with any scheme case and a colon inside the password', () => {
    const v = Buffer.from('ops:pa:ss').toString('base64');
    expect(parseBasic(`Basic ${v}`)).toEqual({ username: 'ops', password: 'pa:ss' });
    expect(parseBasic(`basic ${v}`)).toEqual({ username: 'ops', password: 'pa:ss' });
  });
  it('refuses Basic without a colon, and other schemes', () => {
    expect(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseBasic('Bearer abc')).toBeUndefined();
    expect(parseBasic(undefined)).toBeUndefined();
  });
  it('reads Bearer tokens case-insensitively (Genesys sends "bearer")', () => {
    expect(parseBearer('bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
    expect(parseBearer('Bearer xyz')).toBe('xyz');
    expect(parseBearer('Bearer two words')).toBeUndefined();
    expect(parseBearer('Basic xyz')).toBeUndefined();
  });
});
