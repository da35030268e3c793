/**
 * Python clients from Debian packages against the real server: Authlib (`python3-authlib`) and
 * requests-oauthlib (`python3-requests-oauthlib`), run with /usr/bin/python3 by the scripts in
 * test/compat/python/, each configured as its documentation shows. URLs and credentials go in
 * through the environment; the scripts print JSON that this file asserts on. For the code flow a
 * script builds the authorization URL (with PKCE), a {@link Person} signs in on ccauth's pages,
 * and the script redeems the code and validates the ID token against the JWKS.
 *
 * .ci/run installs the packages when missing; a run with CI set fails instead of skipping when
 * they are absent. Rows of docs/compatibility.md (test/compat/helpers/matrix.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AGENT, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { compatTest } from './helpers/matrix.ts';
import { Person, arrivesAt } from './helpers/person.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(import.meta.dirname, 'python');
const REDIRECT = 'https://rp.example.com/python/callback';

const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests_oauthlib'], { encoding: 'utf8' });
const HAVE_PYTHON = probe.status === 0;
const SKIP_REASON = `${PYTHON} cannot import authlib and requests_oauthlib (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()}); install them with "apt-get install -y python3-authlib python3-requests-oauthlib"`;
if (!HAVE_PYTHON) {
  // CI installs them (.ci/run): there a missing package is a failure, not a skip
  if (process.env.CI) throw new Error(`test/compat/python.test.ts: ${SKIP_REASON}`);
  console.warn(`test/compat/python.test.ts skipped: ${SKIP_REASON}`);
}

type Library = 'authlib' | 'requests_oauthlib';
let s: CompatServer;
let app: { clientId: string; secret: string };

/** Runs `<library>_client.py <command>`; resolves with its JSON output, rejects with its stderr. */
function runPython(library: Library, command: string, env: Record<string, string> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [path.join(SCRIPTS, `${library}_client.py`), command],
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          CCAUTH_ISSUER: s.issuer,
          CLIENT_ID: app.clientId,
          CLIENT_SECRET: app.secret,
          // oauthlib refuses http:// unless told (its documentation): the test issuer is local
          ...(library === 'requests_oauthlib' ? { OAUTHLIB_INSECURE_TRANSPORT: '1' } : {}),
          ...env,
        },
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${library} ${command} failed: ${stderr || err.message}`));
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`${library} ${command} printed no JSON: ${stdout} ${stderr}`));
        }
      },
    );
  });
}

/** The status `/auth/v3/userinfo` answers for `token` (200: a live user token). */
async function userinfoStatus(token: string): Promise<number> {
  return (await fetch(`${s.issuer}/auth/v3/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;
}

beforeAll(async () => {
  if (!HAVE_PYTHON) return;
  s = await startCompatServer();
  app = await s.createClient({
    client_id: 'python-app',
    name: 'Python app',
    authorizedGrantTypes: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
    redirectURIs: [REDIRECT],
  });
});

afterAll(async () => {
  await s?.close();
});

/** The matrix rows of each library (test/compat/helpers/matrix.ts), spelled out. */
const ROWS = {
  authlib: { basic: 'authlib-client-credentials-basic', post: 'authlib-client-credentials-post', password: 'authlib-password-refresh', code: 'authlib-code-pkce' },
  requests_oauthlib: {
    basic: 'requests-oauthlib-client-credentials-basic',
    post: 'requests-oauthlib-client-credentials-post',
    password: 'requests-oauthlib-password-refresh',
    code: 'requests-oauthlib-code-pkce',
  },
} as const;

for (const library of ['authlib', 'requests_oauthlib'] as const) {
  const rows = ROWS[library];
  describe.skipIf(!HAVE_PYTHON)(`${library} (Debian python3 package, documented configuration)`, () => {
    compatTest(rows.basic, async () => {
      const out = await runPython(library, 'client_credentials_basic');
      expect(out.token).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), expires_in: 3600 });
    });

    compatTest(rows.post, async () => {
      const out = await runPython(library, 'client_credentials_post');
      expect(out.token).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), expires_in: 3600 });
    });

    compatTest(rows.password, async () => {
      const out = await runPython(library, 'password_refresh', { LOGIN: AGENT.login, PASSWORD: AGENT.password });
      expect(out.token).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
      expect(out.userinfo).toMatchObject({ status: 200, body: { loginName: AGENT.username, contactCenterId: s.ccid, dbid: s.dbid } });
      expect(out.refreshed.access_token).not.toBe(out.token.access_token);
      expect(out.refreshed.refresh_token).not.toBe(out.token.refresh_token);
      // the session now carries the refreshed token, and the rotated-out one is spent
      expect(out.userinfo_after_refresh).toMatchObject({ status: 200, body: { loginName: AGENT.username } });
      expect(await userinfoStatus(out.refreshed.access_token)).toBe(200);
    });

    compatTest(rows.code, async () => {
      const start = await runPython(library, 'authorize', { REDIRECT_URI: REDIRECT });
      const authorization = new URL(start.url);
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization.searchParams.get('scope')).toBe('openid profile email');
      const callback = await new Person().browse(start.url, arrivesAt(REDIRECT));
      expect(callback.searchParams.get('error'), callback.toString()).toBeNull();
      const out = await runPython(library, 'exchange', {
        REDIRECT_URI: REDIRECT,
        CALLBACK_URL: callback.toString(),
        STATE: start.state,
        CODE_VERIFIER: start.code_verifier,
        NONCE: start.nonce,
      });
      expect(out.token).toMatchObject({ token_type: 'bearer', id_token: expect.any(String), refresh_token: expect.any(String) });
      // oauthlib hands the scope back as a list, Authlib as the string the server sent
      const granted = Array.isArray(out.token.scope) ? out.token.scope : String(out.token.scope).split(' ');
      expect(granted).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
      expect(out.id_token_claims).toMatchObject({ iss: s.issuer, aud: app.clientId, nonce: start.nonce });
      expect(out.userinfo).toMatchObject({ status: 200, body: { sub: out.id_token_claims.sub, email: AGENT.email, given_name: AGENT.firstName } });
    });
  });
}
