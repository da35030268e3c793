/**
 * `rewriteBasicClientId` (src/http/middleware/basic-client-id.ts): a Basic client_id outside VSCHAR
 * (RFC 6749 Appendix A) is re-encoded so oidc-provider decodes it to a printable id no client can
 * have; everything else is left alone.
 */
import { describe, expect, it } from 'vitest';
import { rewriteBasicClientId } from '../../../src/http/middleware/basic-client-id.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** What oidc-provider decodes from a Basic header (shared/client_auth.js decodeAuthToken). */
const decoded = (header: string) => {
  const basic = Buffer.from(header.split(' ')[1]!, 'base64').toString('utf8');
  const i = basic.indexOf(':');
  const dec = (x: string) => decodeURIComponent(x.replace(/\+/g, '%20'));
  return { clientId: dec(basic.slice(0, i)), secret: dec(basic.slice(i + 1)) };
};

describe('rewriteBasicClientId', () => {
  it.each([
    ['raw U+0000', 'a\u0000b:s3cret', 'a%00b'],
    ['percent-encoded U+0000', 'a%00b:s3cret', 'a%00b'],
    ['only U+0000', '\u0000:s3cret', '%00'],
    ['non-ASCII', 'cl\u00efent:s3cret', 'cl%C3%AFent'],
    ['a TAB', 'tab%09app:s3cret', 'tab%09app'],
  ])('re-encodes a client_id with %s; the secret is kept', (_label, userPass, expectedId) => {
    const out = rewriteBasicClientId(`Basic ${b64(userPass)}`);
    expect(out).toBeDefined();
    expect(decoded(out!)).toEqual({ clientId: expectedId, secret: 's3cret' });
    expect(decoded(out!).clientId).toMatch(/^[\x20-\x7E]+$/);
  });

  it.each([
    ['a printable client id', `Basic ${b64('external_api_client:secret')}`],
    ['a printable id with encoded space', `Basic ${b64('my+app:secret')}`],
    ['a Bearer header', 'Bearer abc'],
    ['no colon', `Basic ${b64('nocolon')}`],
    ['broken percent-encoding', `Basic ${b64('bad%zz:secret')}`],
    ['invalid base64', 'Basic !!!'],
    ['two spaces', `Basic  ${b64('a\u0000:b')}`],
    ['no header', undefined],
  ])('leaves %s alone', (_label, header) => {
    expect(rewriteBasicClientId(header)).toBeUndefined();
  });
});
