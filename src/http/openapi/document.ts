/**
 * Builds the OpenAPI 3.1 document served at `GET /openapi.json` (README "API") from
 * {@link OPERATIONS}: request schemas come from the routes' own zod schemas (zod 4
 * `z.toJSONSchema`, input side: defaults, strings accepted for booleans where the route takes
 * them), responses from the registered schemas of schemas.ts, the envelope, error answers and
 * security schemes from components.ts. OAuth endpoints are described by discovery (RFC 8414), which
 * the document links to.
 */
import { z } from 'zod';
import { booleanish } from '../routes/environments.schemas.ts';
import { ENVELOPE_SCHEMAS, ERROR_RESPONSES, PATH_PARAMETERS, SECURITY_SCHEMES, securityOf } from './components.ts';
import type { ApiOperation } from './operation.ts';
import { OPERATIONS } from './operations.ts';
import { responseSchemas } from './schemas.ts';

type Json = Record<string, unknown>;

/** What the document says about the deployment. */
export interface OpenApiOptions {
  /** PUBLIC_URL: the server of every operation. */
  publicUrl: string;
  /** The ccauth version (package.json). */
  version: string;
  /** The operations to describe; default {@link OPERATIONS}. */
  operations?: readonly ApiOperation[];
}

/** A request schema as JSON Schema (the input a client sends), without `$schema`. */
export function requestSchema(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // `shared` and other booleanish fields take true/false or the strings "true"/"false" (Genesys scripts send strings)
    override: (ctx) => {
      if (ctx.zodSchema === booleanish) {
        for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[k];
        Object.assign(ctx.jsonSchema, { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] });
      }
    },
  }) as Json;
  delete json.$schema;
  return json;
}

/** `components.schemas` from the registered response schemas, references as `#/components/schemas/<id>`. */
function componentSchemas(): Json {
  const out = z.toJSONSchema(responseSchemas, { target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  for (const s of Object.values(out.schemas)) {
    delete s.$schema;
    delete s.$id; // zod names the schema by its registry id; the component key already does
  }
  return out.schemas;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const dataSchema = (data: string | [string]) => (typeof data === 'string' ? ref(data) : { type: 'array', items: ref(data[0]) });

function successResponse(op: ApiOperation): Json {
  const ok = op.ok;
  const content: Json = {};
  if ('envelope' in ok) {
    const properties: Json = { status: { type: 'object', required: ['code'], properties: { code: { const: 0 } }, additionalProperties: false } };
    const required = ['status'];
    if (ok.envelope.data) {
      properties.data = dataSchema(ok.envelope.data);
      required.push('data');
    }
    if (ok.envelope.path) {
      properties.path = { type: 'string', description: 'the resource path, e.g. /environments/<id>' };
      if (!ok.envelope.data) required.push('path');
    }
    if (ok.envelope.nextCursor) properties.nextCursor = { type: 'string', description: 'opaque: pass it as `cursor` for the next page; absent on the last page' };
    content['application/json'] = { schema: { type: 'object', required, properties, additionalProperties: false } };
  } else if ('json' in ok) {
    content['application/json'] = { schema: ref(ok.json) };
  } else {
    content[ok.media] = { schema: { type: ok.media === 'application/json' ? 'object' : 'string', description: ok.description } };
  }
  for (const [media, description] of Object.entries(op.alsoProduces ?? {})) content[media] = { schema: { type: 'string', description } };
  return { description: 'OK', content };
}

/** HTTP statuses an operation may answer besides 200. */
function errorStatuses(op: ApiOperation): number[] {
  const s = new Set<number>(op.errors ?? []);
  const envelope = 'envelope' in op.ok;
  if (op.auth === 'ops' || op.auth === 'admin') s.add(401).add(429);
  if (op.auth === 'admin') s.add(403);
  if (op.auth === 'bearer' || op.auth === 'metrics') s.add(401);
  if (op.body || op.query) s.add(400);
  if (op.body) s.add(413).add(415);
  if (/\{[^}]+\}/.test(op.path)) s.add(404);
  if (envelope) s.add(500).add(503);
  return [...s].sort((a, b) => a - b);
}

function errorResponse(op: ApiOperation, status: number): Json {
  if ('envelope' in op.ok && !op.oauthErrors) return { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  const description = status === 401 ? 'No, or no valid, token (WWW-Authenticate: Bearer)' : status === 503 ? 'Not ready' : 'Bad request';
  const schema = 'json' in op.ok && op.ok.json === 'Health' ? ref('Health') : ref('OAuthError');
  return { description, content: { 'application/json': { schema } } };
}

function parameters(op: ApiOperation): Json[] {
  const params: Json[] = [];
  for (const m of op.path.matchAll(/\{([^}]+)\}/g)) {
    const p = PATH_PARAMETERS[m[1]!];
    if (!p) throw new Error(`openapi: no description of path parameter {${m[1]}} (${op.operationId}); add it to PATH_PARAMETERS`);
    params.push({ name: m[1], in: 'path', required: true, description: p.description, schema: p.schema });
  }
  if (op.query) {
    const q = requestSchema(op.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema as Json & { description?: string };
      params.push({ name, in: 'query', required: (q.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return params;
}

function operationObject(op: ApiOperation): Json {
  const responses: Json = { 200: successResponse(op) };
  if (op.redirect) responses[303] = { description: op.redirect, headers: { Location: { description: 'where to go', schema: { type: 'string' } } } };
  for (const status of errorStatuses(op)) responses[status] = errorResponse(op, status);
  const params = parameters(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security: securityOf(op.auth),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: requestSchema(op.body) } } } } : {}),
    responses,
  };
}

/**
 * The whole document. @throws Error when an operation names an undescribed path parameter or two
 * operations share a method and path (a programming error, caught by the tests).
 */
export function buildOpenApiDocument(opts: OpenApiOptions): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const ids = new Set<string>();
  for (const op of opts.operations ?? OPERATIONS) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`openapi: ${op.method.toUpperCase()} ${op.path} is described twice`);
    if (ids.has(op.operationId)) throw new Error(`openapi: operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    item[op.method] = operationObject(op);
  }
  const responses = Object.fromEntries(Object.values(ERROR_RESPONSES).map((r) => [r.name, r.response]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'ccauth admin, user info and Genesys APIs',
      version: opts.version,
      description: [
        'ccauth is an OAuth 2.0 / OpenID Connect authorization server with the Genesys Authentication API.',
        'Admin answers use the Genesys envelope `{"status":{"code":N,"message":...},"data"|"path":...}`; see the `Status` schema for the codes.',
        `The OAuth endpoints (token, authorize, introspection, revocation, JWKS, logout) are described by discovery: ${opts.publicUrl}/.well-known/oauth-authorization-server (RFC 8414) and ${opts.publicUrl}/.well-known/openid-configuration.`,
      ].join('\n\n'),
    },
    servers: [{ url: opts.publicUrl }],
    externalDocs: { description: 'OAuth 2.0 authorization server metadata (RFC 8414)', url: `${opts.publicUrl}/.well-known/oauth-authorization-server` },
    tags: [...new Set((opts.operations ?? OPERATIONS).map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...ENVELOPE_SCHEMAS, ...componentSchemas() },
      responses,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
