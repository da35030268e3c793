/**
 * The request input gate of the JSON admin APIs (`/auth/v3/ops/*`, `/environment/v3/*`; README
 * "Security model" → "Hostile input"; OWASP ASVS 5.0 V1.2/V2.2, V4.1.1 content type, V13.1.x
 * limits). Mounted by app.ts behind the envelope errors and the authentication guard, so every
 * refusal is a Genesys envelope (`{"status":{"code":N,"message":...}}`) and unauthenticated callers
 * get their 401 first. In order:
 *
 * 1. Query string: every name and value must be storable text (no U+0000, no unpaired surrogate)
 *    → else 400 code 10.
 * 2. A POST/PUT/PATCH that carries a body (`Content-Length` > 0 or `Transfer-Encoding`) must be
 *    `application/json` (or `+json`) in UTF-8 → else 415 code 2. A request without a body is left
 *    alone (the route's schema decides whether it needs one: "missing data" is code 1).
 * 3. The body is parsed by @koa/bodyparser (strict: an object or an array at the top; gzip/deflate
 *    accepted, the limit counts decompressed bytes): larger than `limitBytes` → 413 code 2; not JSON
 *    → 400 code 2; a `__proto__` or `constructor.prototype` key → 400 code 2.
 * 4. The parsed value is walked (iteratively): more than `maxDepth` levels of nesting → 400 code 2;
 *    a key named `__proto__`, `constructor` or `prototype` anywhere → 400 code 2 (no schema uses
 *    them; refusing them closes prototype pollution for good); a string value or key containing
 *    U+0000 or an unpaired surrogate → 400 code 10 naming the field (PostgreSQL cannot store it).
 *
 * Duplicate keys in one JSON object are not refused: `JSON.parse` keeps the last one (documented).
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { FieldIssue } from '../../errors/app-error.ts';
import { UNSTORABLE_TEXT_MESSAGE, isStorableText } from '../../domain/text.ts';

/** Deepest nesting accepted in a JSON body (no admin schema goes deeper than 5). */
export const JSON_MAX_DEPTH = 32;

/** Keys refused anywhere in a JSON body. */
export const FORBIDDEN_JSON_KEYS: readonly string[] = Object.freeze(['__proto__', 'constructor', 'prototype']);

/** Most field issues reported for one body. */
const MAX_ISSUES = 20;

const PROTO_MESSAGE = 'request body must not contain "__proto__", "constructor" or "prototype" keys';

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body accepted, bytes (decompressed). ADMIN_BODY_LIMIT_BYTES. */
  limitBytes: number;
  /** Deepest nesting accepted; default {@link JSON_MAX_DEPTH}. */
  maxDepth?: number;
}

/** True when the request carries a body: `Transfer-Encoding`, or a `Content-Length` above 0. */
export function requestHasBody(ctx: Context): boolean {
  if (ctx.get('transfer-encoding')) return true;
  const length = Number(ctx.get('content-length') || '0');
  return Number.isNaN(length) || length > 0;
}

/** Dotted field path in zod's style (`data.redirectURIs.0`); `(body)` for the root. */
const pathOf = (parts: readonly (string | number)[]): string => (parts.length ? parts.join('.') : '(body)');

/**
 * Checks a parsed JSON value (see the module comment, step 4). Iterative, so a deeply nested value
 * cannot exhaust the stack.
 * @throws AppError invalid_parameter (depth, forbidden key) | validation (unstorable strings)
 */
export function inspectJson(value: unknown, maxDepth = JSON_MAX_DEPTH): void {
  const issues: FieldIssue[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v) && issues.length < MAX_ISSUES) issues.push({ field: pathOf(path), message: UNSTORABLE_TEXT_MESSAGE });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) throw new AppError('invalid_parameter', `request body is nested more than ${maxDepth} levels deep`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) {
      if (FORBIDDEN_JSON_KEYS.includes(key)) throw new AppError('invalid_parameter', PROTO_MESSAGE);
      if (!isStorableText(key) && issues.length < MAX_ISSUES) issues.push({ field: pathOf(path), message: `names ${UNSTORABLE_TEXT_MESSAGE}` });
    }
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]!], path: [...path, keys[i]!] });
  }
  if (issues.length) throw new AppError('validation', `validation failed: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
}

/**
 * Checks the query string (module comment, step 1).
 * @throws AppError validation
 */
export function inspectQuery(query: Record<string, string | string[] | undefined>): void {
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (!isStorableText(name)) issues.push({ field: '(query)', message: `parameter names ${UNSTORABLE_TEXT_MESSAGE}` });
    else if (values.some((v) => !isStorableText(v))) issues.push({ field: name, message: UNSTORABLE_TEXT_MESSAGE });
  }
  if (issues.length) throw new AppError('validation', `validation failed: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
}

/** Maps a body-parser (co-body / raw-body / inflation / bourne) failure to an AppError. */
function parserError(err: unknown, limitBytes: number): AppError {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413 || e.type === 'entity.too.large') return new AppError('payload_too_large', `request body is larger than ${limitBytes} bytes`);
  if (status === 415 || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'unsupported Content-Encoding or charset; send UTF-8 JSON (identity, gzip or deflate)');
  }
  if (/forbidden prototype property/i.test(e.message ?? '')) return new AppError('invalid_parameter', PROTO_MESSAGE);
  return new AppError('invalid_parameter', 'request body is not valid JSON');
}

/**
 * The admin APIs' JSON body middleware (module comment). Leaves the parsed body in
 * `ctx.request.body` (`{}` when the request had none).
 * @throws AppError validation | unsupported_media_type | payload_too_large | invalid_parameter
 */
export function jsonBody(opts: JsonBodyOptions) {
  const maxDepth = opts.maxDepth ?? JSON_MAX_DEPTH;
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: opts.limitBytes,
    encoding: 'utf-8',
    extendTypes: { json: ['application/json', '+json'] },
    onError(err) {
      throw parserError(err, opts.limitBytes);
    },
  });
  return async function jsonBodyMiddleware(ctx: Context, next: Next): Promise<void> {
    inspectQuery(ctx.query);
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method) || !requestHasBody(ctx)) {
      (ctx.request as { body?: unknown }).body ??= {};
      return next();
    }
    if (!ctx.get('content-type') || !ctx.is('application/json', '+json')) {
      throw new AppError('unsupported_media_type', 'unsupported content type; send application/json');
    }
    const charset = ctx.request.charset;
    if (charset && !/^utf-?8$/i.test(charset)) throw new AppError('unsupported_media_type', 'JSON must be sent as UTF-8 (RFC 8259 §8.1)');
    const declared = Number(ctx.get('content-length') || '0');
    if (declared > opts.limitBytes && !ctx.get('content-encoding')) {
      ctx.set('Connection', 'close'); // the body is not read: do not keep the connection
      throw new AppError('payload_too_large', `request body is larger than ${opts.limitBytes} bytes`);
    }
    await parse(ctx, async () => {
      inspectJson((ctx.request as { body?: unknown }).body, maxDepth);
      await next();
    });
  };
}
