/**
 * A minimal upstream OpenID Connect provider on loopback for ccauth's relying party: discovery,
 * JWKS, an authorization endpoint that answers at once with a code (no login), and a token
 * endpoint that checks client authentication (client_secret_basic) and PKCE (S256), then returns an
 * ID token signed with jose. `nextIdToken` lets a test change what the next ID token says (another
 * nonce, audience or issuer) to prove the relying party refuses it.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface FakeUpstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims of the user the next authorization signs in. */
  user: Record<string, unknown>;
  /** Overrides of the next ID token (`nonce`, `aud`, `iss`, ...); reset after use. */
  nextIdToken: Record<string, unknown> | undefined;
  /** Requests seen by the authorization endpoint. */
  authorizeRequests: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts the upstream. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string; user: Record<string, unknown> }>();
  const up: FakeUpstream = {
    issuer: '',
    clientId: 'ccauth-rp',
    clientSecret: randomBytes(16).toString('hex'),
    user: { sub: 'u-1', preferred_username: 'agent', email: 'agent@corp.example.com', email_verified: true },
    nextIdToken: undefined,
    authorizeRequests: [],
    close: async () => undefined,
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', up.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: up.issuer,
        authorization_endpoint: `${up.issuer}/authorize`,
        token_endpoint: `${up.issuer}/token`,
        jwks_uri: `${up.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      up.authorizeRequests.push(url.searchParams);
      const code = randomBytes(16).toString('hex');
      codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', nonce: url.searchParams.get('nonce') ?? '', redirectUri: url.searchParams.get('redirect_uri') ?? '', user: { ...up.user } });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const form = new URLSearchParams(body);
      // client_secret_basic: both parts form-urlencoded before base64 (RFC 6749 §2.3.1)
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':')
        .map((p) => decodeURIComponent(p.replace(/\+/g, ' ')));
      if (id !== up.clientId || secret !== up.clientSecret) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!grant || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (challenge !== grant.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      const overrides = up.nextIdToken ?? {};
      up.nextIdToken = undefined;
      const claims: Record<string, unknown> = { ...grant.user, nonce: grant.nonce, ...overrides };
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(String(overrides.iss ?? up.issuer))
        .setAudience((overrides.aud as string) ?? up.clientId)
        .setSubject(String(claims.sub))
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  up.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return up;
}
