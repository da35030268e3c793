/**
 * The real ccauth app listening on a real port, for client libraries that speak HTTP themselves
 * (test/compat/). The issuer is `http://localhost:<port>` (a browser, Python and Node all resolve
 * `localhost` to the 127.0.0.1 listener); a chat widget served from `http://127.0.0.1:<other port>`
 * is therefore a different origin, as on a real contact center web site.
 *
 * {@link startCompatServer} also provisions, through the public admin APIs (ops Basic), one
 * environment, one contact center (login domain `compat`), one user `compat\agent` with names and
 * e-mail, and, when `corsOrigins` is given, the contact center's `cors-origins` setting
 * (README "CORS"; Genesys "Provision Genesys Authentication").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basic, OPS, startTestApp } from '../../helpers/test-app.ts';
import type { TestApp } from '../../helpers/test-app.ts';

/** The user every compat flow signs in as. */
export const AGENT = Object.freeze({
  login: 'compat\\agent',
  username: 'agent',
  domain: 'compat',
  password: 'Compat-Agent-Passw0rd!',
  firstName: 'Casey',
  lastName: 'Compat',
  email: 'casey.compat@example.com',
});

/** A running compat server. */
export interface CompatServer {
  /** The app (database, logs) behind the listener. */
  t: TestApp;
  /** `http://localhost:<port>`: PUBLIC_URL, the issuer. */
  issuer: string;
  port: number;
  /** The contact center every client of the suite is bound to. */
  ccid: string;
  /** The user's `dbid` (Genesys CloudUserDetails). */
  dbid: number;
  /** Creates a client through `POST /auth/v3/ops/clients` (Genesys field names; `overrides` win). */
  createClient(overrides: Record<string, unknown>): Promise<{ clientId: string; secret: string }>;
  close(): Promise<void>;
}

/** A small HTTP server on 127.0.0.1 and a free port. */
export function listenLoopback(handler: http.RequestListener): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * Starts the app on `http://localhost:<free port>` and provisions the contact center and user.
 * @param opts.corsOrigins origins written to the contact center's `cors-origins` setting.
 * @throws when any provisioning call does not answer `status.code` 0.
 */
export async function startCompatServer(opts: { corsOrigins?: string[] } = {}): Promise<CompatServer> {
  let handler: http.RequestListener = (_req, res) => res.end();
  const listener = await listenLoopback((req, res) => handler(req, res));
  const issuer = `http://localhost:${listener.port}`;
  const t = await startTestApp({ PUBLIC_URL: issuer });
  handler = t.ccauth.app.callback();
  const ops = basic(OPS.username, OPS.password);

  const expectOk = (what: string, res: { status: number; body: any }) => {
    if (res.status !== 200 || res.body?.status?.code !== 0) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const env = expectOk('environment', await t.request.post('/environment/v3/environments').set('Authorization', ops).send({ data: { username: 'default', password: 'password' } }));
  const environmentId = String(env.path).split('/')[2];
  const cc = expectOk('contact center', await t.request.post('/environment/v3/contact-centers').set('Authorization', ops).send({ data: { environmentId, domains: [AGENT.domain], auth: 'configServer' } }));
  const ccid = String(cc.path).split('/')[2]!;
  const user = expectOk(
    'user',
    await t.request
      .post(`/environment/v3/contact-centers/${ccid}/users`)
      .set('Authorization', ops)
      .send({ data: { username: AGENT.username, password: AGENT.password, firstName: AGENT.firstName, lastName: AGENT.lastName, email: AGENT.email } }),
  );
  if (opts.corsOrigins?.length) {
    expectOk(
      'cors-origins setting',
      await t.request
        .post(`/environment/v3/contact-centers/${ccid}/settings`)
        .set('Authorization', ops)
        .send({ data: { location: '/', name: 'cors-origins', shared: 'true', value: opts.corsOrigins.join(', ') } }),
    );
  }

  return {
    t,
    issuer,
    port: listener.port,
    ccid,
    dbid: user.data.dbid,
    async createClient(overrides) {
      const res = await t.request
        .post('/auth/v3/ops/clients')
        .set('Authorization', ops)
        .send({
          data: {
            clientType: 'CONFIDENTIAL',
            internalClient: false,
            client_secret: '',
            authorities: [],
            scope: ['*'],
            contactCenterIds: [ccid],
            accessTokenExpirationTimeout: 3600,
            refreshTokenExpirationTimeout: 7200,
            redirectURIs: [],
            ...overrides,
          },
        });
      const body = expectOk(`client ${String(overrides.client_id)}`, res);
      return { clientId: body.data.client_id, secret: body.data.client_secret };
    },
    async close() {
      await listener.close();
      await t.close();
    },
  };
}
