/**
 * What the OpenAPI document describes once and every operation reuses (design.md §5.2): the
 * Genesys envelope and its status codes, the error answers, the path parameters, and the security
 * schemes (ops Basic, admin Bearer, user Bearer, metrics Bearer).
 */
import type { OperationAuth } from './operation.ts';

/** The Genesys `status.code` values (genesys-api.md §4.1): meaning by code. */
export const STATUS_CODES: Readonly<Record<number, string>> = {
  0: 'ok',
  1: 'missing parameter',
  2: 'invalid parameter',
  3: 'forbidden',
  4: 'internal error (or service unavailable)',
  6: 'not found',
  10: 'validation error (status.detail.errors lists each field)',
  18: 'already exists',
  19: 'in use',
  20: 'not authenticated',
};

type Json = Record<string, unknown>;

/** Schemas of the envelope, keyed by component name. */
export const ENVELOPE_SCHEMAS: Readonly<Record<string, Json>> = {
  Status: {
    type: 'object',
    description: `The Genesys status: ${Object.entries(STATUS_CODES).map(([c, m]) => `${c} ${m}`).join('; ')}.`,
    required: ['code'],
    properties: {
      code: { type: 'integer', enum: Object.keys(STATUS_CODES).map(Number) },
      message: { type: 'string' },
      detail: {
        type: 'object',
        required: ['errors'],
        properties: {
          errors: {
            type: 'array',
            items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string', description: 'dotted path, e.g. data.redirectURIs.0' }, message: { type: 'string' } }, additionalProperties: false },
          },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  ErrorEnvelope: {
    type: 'object',
    description: 'A failure: `status.code` is not 0. 401 answers also carry Spring\'s `error` / `error_description`.',
    required: ['status'],
    properties: {
      status: { $ref: '#/components/schemas/Status' },
      error: { type: 'string' },
      error_description: { type: 'string' },
    },
    additionalProperties: false,
  },
};

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } };
const retryAfter = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } };

/** Reusable error responses by HTTP status (`#/components/responses/<name>`). */
export const ERROR_RESPONSES: Readonly<Record<number, { name: string; response: Json }>> = {
  400: { name: 'BadRequest', response: { description: 'Bad input: code 1 (missing `data`), 2 (invalid parameter) or 10 (validation, with `status.detail.errors`).', content: errorContent } },
  401: {
    name: 'Unauthorized',
    response: {
      description: 'No or bad credentials: code 20, with `WWW-Authenticate`.',
      headers: { 'WWW-Authenticate': { description: 'the challenge (Basic or Bearer, realm "ccauth")', schema: { type: 'string' } } },
      content: errorContent,
    },
  },
  403: { name: 'Forbidden', response: { description: 'A valid token that does not grant this API or this contact center: code 3.', content: errorContent } },
  404: { name: 'NotFound', response: { description: 'No such resource: code 6.', content: errorContent } },
  409: { name: 'Conflict', response: { description: 'Already exists (code 18) or in use (code 19).', content: errorContent } },
  413: { name: 'PayloadTooLarge', response: { description: 'Body over ADMIN_BODY_LIMIT_BYTES: code 2.', content: errorContent } },
  415: { name: 'UnsupportedMediaType', response: { description: 'Body not application/json: code 2.', content: errorContent } },
  429: { name: 'TooManyRequests', response: { description: 'Too many failed authentications from this address or for this name: retry later.', headers: retryAfter, content: errorContent } },
  500: { name: 'InternalError', response: { description: 'Internal error: code 4 (details are logged, never sent).', content: errorContent } },
  503: { name: 'Unavailable', response: { description: 'PostgreSQL unreachable: code 4, with `Retry-After`.', headers: retryAfter, content: errorContent } },
};

/** The security schemes. */
export const SECURITY_SCHEMES: Readonly<Record<string, Json>> = {
  opsBasic: { type: 'http', scheme: 'basic', description: 'The ops credentials (OPS_USERNAME / OPS_PASSWORD).' },
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'An opaque access token of the ops principal (password grant) or of an internal client (`internalClient: true`, ROLE_INTERNAL_CLIENT). A client bound to contact centers sees only those.',
  },
  bearer: { type: 'http', scheme: 'bearer', description: 'Any live opaque access token (RFC 6750 §2.1; userinfo also takes an `access_token` form field on POST).' },
  metricsBearer: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set; otherwise the route is open.' },
};

/** The security requirement of an operation. */
export function securityOf(auth: OperationAuth): Json[] {
  switch (auth) {
    case 'ops':
      return [{ opsBasic: [] }];
    case 'admin':
      return [{ opsBasic: [] }, { adminBearer: [] }];
    case 'bearer':
      return [{ bearer: [] }];
    case 'metrics':
      return [{}, { metricsBearer: [] }];
    case 'none':
      return [];
  }
}

/** Path parameters by name: description and schema. */
export const PATH_PARAMETERS: Readonly<Record<string, { description: string; schema: Json }>> = {
  clientId: { description: 'the client id', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._~@+-]{0,127}$' } },
  id: { description: 'the resource id (a UUID; an integration id is a slug)', schema: { type: 'string' } },
  ccid: { description: 'the contact center id (CCID, a UUID)', schema: { type: 'string', format: 'uuid' } },
  name: { description: 'the setting name', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } },
  activationId: { description: 'the activation id (a UUID)', schema: { type: 'string', format: 'uuid' } },
};
