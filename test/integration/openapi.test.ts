/**
 * The OpenAPI 3.1 document and the docs page (README "API"): `GET /openapi.json` is a valid
 * OpenAPI 3.1 document (validated with @apidevtools/swagger-parser, the lint of `npm test`), it
 * describes exactly the routes the app mounts (enumerated from the koa routers' layer stacks,
 * browser pages aside), the envelope, its status codes and the auth schemes once; `GET /docs`
 * serves Swagger UI from node_modules with its own CSP and no outside address.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNDOCUMENTED_ROUTES } from '../../src/http/openapi/operations.ts';
import { startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

let t: TestApp;
type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, unknown> }>>; components: Record<string, Record<string, unknown>>; servers: { url: string }[] };
let doc: Doc;

beforeAll(async () => {
  t = await startTestApp();
  const res = await t.request.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});
afterAll(async () => {
  await t.close();
});

/** Every router the app mounts: koa-router's dispatch middleware carries `.router`; the admin APIs' wrapper carries `.routers`. */
function mountedRouters(middleware: readonly Middleware[]): Router[] {
  const out: Router[] = [];
  for (const mw of middleware as (Middleware & { router?: Router; routers?: Router[] })[]) {
    if (mw.router) out.push(mw.router);
    if (mw.routers) out.push(...mw.routers);
  }
  return out;
}

/** `METHOD /path/{param}` of every route of `routers`, browser pages left out. */
function routesOf(routers: readonly Router[]): Set<string> {
  const routes = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack as { path: string; methods: string[] }[]) {
      const path = layer.path.replace(/\/$/, '') || '/';
      if (UNDOCUMENTED_ROUTES.some((p) => path === p || path.startsWith(`${p}/`)) || path.startsWith('/docs/')) continue;
      for (const m of layer.methods) if (m !== 'HEAD' && m !== 'OPTIONS') routes.add(`${m} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/** `METHOD path` of every operation of the document. */
const operationsOf = (d: Doc) => new Set(Object.entries(d.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)));

/** Routes without an operation, and operations without a route. */
function coverage(routers: readonly Router[], d: Doc) {
  const routes = routesOf(routers);
  const ops = operationsOf(d);
  return { undocumented: [...routes].filter((r) => !ops.has(r)).sort(), unrouted: [...ops].filter((o) => !routes.has(o)).sort() };
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (swagger-parser validate)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'http://ccauth.test' }]);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('is JSON, revalidated by caches', async () => {
    const res = await t.request.get('/openapi.json');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('describes every mounted API route, and nothing that is not mounted', () => {
    const routers = mountedRouters(t.ccauth.app.middleware);
    expect(routers.length).toBeGreaterThan(10);
    expect(coverage(routers, doc)).toEqual({ undocumented: [], unrouted: [] });
    expect(operationsOf(doc).size).toBeGreaterThan(50);
  });

  it('the coverage check notices a route without an operation, and an operation without a route', () => {
    const extra = new Router({ prefix: '/auth/v3/ops/widgets' });
    extra.get('/:widgetId', () => undefined);
    const routers = [...mountedRouters(t.ccauth.app.middleware), extra];
    expect(coverage(routers, doc).undocumented).toEqual(['GET /auth/v3/ops/widgets/{widgetId}']);
    const fewer = mountedRouters(t.ccauth.app.middleware).filter((r) => !r.stack.some((l) => String(l.path).startsWith('/auth/v3/ops/keys')));
    expect(coverage(fewer, doc).unrouted).toEqual(['GET /auth/v3/ops/keys', 'POST /auth/v3/ops/keys/rotate']);
  });

  it('describes the envelope, its status codes and the auth schemes once, and reuses them', () => {
    const status = doc.components.schemas!.Status as { properties: { code: { enum: number[] } } };
    expect(status.properties.code.enum).toEqual([0, 1, 2, 3, 4, 6, 10, 18, 19, 20]);
    expect(Object.keys(doc.components.securitySchemes!).sort()).toEqual(['adminBearer', 'bearer', 'metricsBearer', 'opsBasic']);
    expect(Object.keys(doc.components.responses!)).toEqual(expect.arrayContaining(['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'InternalError']));
    const createClient = doc.paths['/auth/v3/ops/clients']!.post!;
    expect(createClient.security).toEqual([{ opsBasic: [] }]);
    expect(createClient.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
    expect(createClient.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
    expect(doc.paths['/environment/v3/environments']!.get!.security).toEqual([{ opsBasic: [] }, { adminBearer: [] }]);
  });

  it('request bodies are the routes\' own zod schemas, as a client sends them (seed provisioning body shapes)', () => {
    const body = (doc.paths['/environment/v3/contact-centers/{ccid}/settings']!.post as unknown as { requestBody: { content: { 'application/json': { schema: { properties: { data: { properties: Record<string, unknown>; required: string[] } } } } } } }).requestBody.content['application/json'].schema.properties.data;
    expect(body.required).toEqual(['name', 'value']);
    // "shared": "true" is what the Genesys provisioning document sends
    expect(body.properties.shared).toEqual({ anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] });
    const client = (doc.paths['/auth/v3/ops/clients']!.post as unknown as { requestBody: { content: { 'application/json': { schema: { properties: { data: { properties: Record<string, { default?: unknown }> } } } } } } }).requestBody.content['application/json'].schema.properties.data;
    expect(client.properties.accessTokenExpirationTimeout!.default).toBe(43200);
  });

  it('points to discovery for the OAuth endpoints (RFC 8414)', () => {
    expect((doc as unknown as { externalDocs: { url: string } }).externalDocs.url).toBe('http://ccauth.test/.well-known/oauth-authorization-server');
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/auth/v3/oauth/'))).toBe(false);
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI with its own CSP and nothing from another origin', async () => {
    const res = await t.request.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' http://ccauth.test; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toEqual(['data:,', 'docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/init.js']);
  });

  it('sends /docs/ and /DOCS to /docs, where the page\'s relative links resolve', async () => {
    for (const [p, location] of [['/docs/', '../docs'], ['/DOCS', 'docs']] as const) {
      const res = await t.request.get(p);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe(location);
      expect(new URL(location, `http://ccauth.test${p}`).pathname).toBe('/docs');
    }
  });

  it('serves the three files of the page from swagger-ui-dist, and nothing else under /docs/', async () => {
    const css = await t.request.get('/docs/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const js = await t.request.get('/docs/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=86400');
    const init = await t.request.get('/docs/init.js');
    expect(init.text).toContain("url: 'openapi.json'");
    expect(init.text).toContain('validatorUrl: null'); // no call to validator.swagger.io
    for (const p of ['/docs/package.json', '/docs/..%2Fpackage.json', '/docs/index.html', '/docs/swagger-ui-bundle.js.map']) {
      const res = await t.request.get(p);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('"name"');
    }
  });
});
