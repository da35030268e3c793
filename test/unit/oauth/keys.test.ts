/**
 * Keystore order for oidc-provider (src/oauth/keys.ts): the `current` key first and unrestricted,
 * `next` and `retired` keys verify-only, so the provider never signs with them.
 */
import { describe, expect, it } from 'vitest';
import { toProviderJwks } from '../../../src/oauth/keys.ts';
import type { LoadedSigningKey } from '../../../src/services/signing-keys.service.ts';

const key = (kid: string, state: LoadedSigningKey['state'], alg = 'ES256'): LoadedSigningKey => ({
  kid,
  alg,
  state,
  privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid, alg, use: 'sig', key_ops: ['sign'] },
});

describe('toProviderJwks', () => {
  it('puts the current key first without key_ops and limits the others to verify', () => {
    const out = toProviderJwks([key('r1', 'retired'), key('n1', 'next'), key('c1', 'current', 'PS256'), key('r2', 'retired')]);
    expect(out.signingAlg).toBe('PS256');
    expect(out.jwks.keys.map((k) => [k.kid, k.key_ops])).toEqual([
      ['c1', undefined],
      ['n1', ['verify']],
      ['r1', ['verify']],
      ['r2', ['verify']],
    ]);
    expect(out.jwks.keys[0]).not.toHaveProperty('key_ops');
  });

  it('refuses a key set without a current key', () => {
    expect(() => toProviderJwks([key('n1', 'next')])).toThrow(/no current signing key/);
  });
});
