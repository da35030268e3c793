/**
 * The request input gate of the OAuth endpoints that oidc-provider serves under `/auth/v3/oauth/*`
 * (token, authorize, introspect, revoke, logout) and of the userinfo routes (parameters and the
 * declared `Content-Length` only: they read their own bodies). docs/security-model.md "Security model" → "Hostile
 * input"; RFC 6749 §3.1, §3.2, Appendix A; OWASP ASVS 5.0 V1.2, V13.1. Every refusal is RFC 6749 §5.2 JSON
 * `{"error":"invalid_request","error_description":...}` with `Cache-Control: no-store`.
 *
 * - Parameters (query string, and the form body as it is read): a name or value containing U+0000,
 *   another C0 control character but TAB, DEL, or an unpaired surrogate → 400. RFC 6749 Appendix A
 *   allows none of them in any of its parameters (the widest, `username`/`password`, are
 *   `UNICODECHARNOCRLF`); PostgreSQL cannot store U+0000 (the client lookup and the interaction
 *   store would answer 500).
 * - Body size: a `Content-Length` above `bodyLimitBytes` → 413 at once, without reading the body
 *   (`Connection: close`); a chunked body that grows past it → 413 as well.
 * - Everything else is oidc-provider's: it parses its own form bodies (design.md §3), answers a
 *   wrong content type `400 invalid_request` (RFC 6749 §5.2 "unsupported parameter value"), and a
 *   duplicated parameter `400 invalid_request` ("'x' parameter must not be provided twice"; RFC 6749
 *   §3.1/§3.2: parameters MUST NOT be included more than once), except the ones a grant allows
 *   repeated (`resource`, RFC 8707).
 *
 * How the body is watched while oidc-provider reads it: oidc-provider's selective body parser
 * (node_modules/oidc-provider/lib/shared/selective_body.js) reads `ctx.req` through
 * `req.iterator()`. For a request with a body this middleware installs a per-request `iterator`
 * on that IncomingMessage that reads the whole body with plain stream events (not the stream's own
 * async iterator: docs/performance.md) and yields it as one chunk; over the limit, or at the end when a
 * parameter is refused, it throws, oidc-provider answers `400 invalid_request`
 * ("failed to parse the request body"), and this middleware then replaces that answer with its own
 * status and description. If a future oidc-provider stops using `req.iterator`, the `Content-Length`
 * check still holds and test/security/hostile-oauth.test.ts fails for the rest.
 */
import type { IncomingMessage } from 'node:http';
import querystring from 'node:querystring';
import type { Context, Next } from 'koa';
import { hasLoneSurrogate } from '../../domain/text.ts';
import { requestHasBody } from './json-body.ts';

/** Options of {@link oauthInput}. */
export interface OAuthInputOptions {
  /** Path prefix of the endpoints to guard, e.g. `/auth/v3/oauth`. */
  prefix: string;
  /**
   * Further exact paths to guard (the userinfo routes): their parameters and their declared
   * `Content-Length` are checked; they read their bodies themselves.
   */
  paths?: readonly string[];
  /** Largest form body accepted, bytes (OAUTH_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

/** Characters no OAuth parameter may contain: C0 controls but TAB, and DEL (RFC 6749 Appendix A). */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** A raw form body (as latin1) that may hold a forbidden character: a raw one or its percent-escape. */
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f]|%(?:0[0-8a-fA-F]|1[0-9a-fA-F]|7[fF])/;
const UTF8 = new Set(['utf-8', 'utf8']);

const describeName = (name: string): string => (/^[A-Za-z0-9_.:-]{1,64}$/.test(name) ? `'${name}' parameter` : 'a parameter name');

/**
 * Why a set of OAuth request parameters is refused, or undefined: the first name or value with a
 * forbidden character (see the module comment). Names are echoed only when they are plain tokens.
 */
export function parameterProblem(params: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(params)) {
    if (FORBIDDEN_CHARACTERS.test(name) || hasLoneSurrogate(name)) return 'a parameter name contains a control character, NUL or an unpaired surrogate';
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v === 'string' && (FORBIDDEN_CHARACTERS.test(v) || hasLoneSurrogate(v))) {
        return `${describeName(name)} contains a control character, NUL or an unpaired surrogate`;
      }
    }
  }
  return undefined;
}

/** Answers an RFC 6749 §5.2 `invalid_request`. */
function refuse(ctx: Context, status: number, description: string): void {
  ctx.status = status;
  ctx.body = { error: 'invalid_request', error_description: description };
  ctx.set('Cache-Control', 'no-store');
  ctx.remove('WWW-Authenticate');
}

interface BodyOutcome {
  tooLarge?: true;
  problem?: string;
}

/** The part of IncomingMessage oidc-provider reads the body through. */
type IteratorFn = (options?: { destroyOnReturn?: boolean }) => AsyncIterableIterator<Buffer>;

/**
 * Reads the whole body of `req` with plain stream events (cheaper than the stream's async iterator,
 * docs/performance.md); rejects when it grows past `limitBytes` (setting `outcome.tooLarge`, and pausing the
 * stream: the answer closes the connection), when the stream fails, or when it closes before its end.
 */
function readWhole(req: IncomingMessage, limitBytes: number, outcome: BodyOutcome): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        outcome.tooLarge = true;
        cleanup();
        req.pause();
        reject(new Error('request entity too large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('request body ended before its end'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Why the raw form body `raw` in `charset` is refused (a forbidden parameter character), or undefined. */
function bodyProblem(raw: Buffer, charset: string): string | undefined {
  // fast path (utf-8, the only charset forms use in practice): no forbidden byte and no
  // percent-escape of one means no forbidden parameter character — percent-decoding of
  // UTF-8 cannot produce an unpaired surrogate (invalid sequences become U+FFFD)
  if (UTF8.has(charset.toLowerCase()) && !MAYBE_FORBIDDEN.test(raw.toString('latin1'))) return undefined;
  let text: string;
  try {
    text = new TextDecoder(charset).decode(raw);
  } catch {
    return undefined; // an unknown charset: oidc-provider refuses it itself
  }
  return parameterProblem(querystring.parse(text));
}

/**
 * Installs the watching `iterator` on this request (module comment); returns what it found. The
 * iterator reads the whole body (bounded by `limitBytes`), checks its parameters, and yields it as
 * one chunk; over the limit or with a refused parameter it throws instead.
 */
function watchBody(ctx: Context, limitBytes: number): BodyOutcome {
  const outcome: BodyOutcome = {};
  const req = ctx.req as IncomingMessage & { iterator: IteratorFn };
  if (typeof req.iterator !== 'function') return outcome;
  const charset = ctx.request.charset || 'utf-8';
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    writable: true,
    value(): AsyncIterableIterator<Buffer> {
      let done = false;
      const iterator: AsyncIterableIterator<Buffer> = {
        [Symbol.asyncIterator]: () => iterator,
        async next(): Promise<IteratorResult<Buffer>> {
          if (done) return { done: true, value: undefined };
          done = true;
          const raw = await readWhole(req, limitBytes, outcome);
          const problem = bodyProblem(raw, charset);
          if (problem) {
            outcome.problem = problem;
            throw new Error(problem);
          }
          return { done: false, value: raw };
        },
        async return(): Promise<IteratorResult<Buffer>> {
          done = true;
          return { done: true, value: undefined };
        },
      };
      return iterator;
    },
  });
  return outcome;
}

/**
 * The OAuth endpoints' input middleware (module comment); mount it before the provider, after the
 * OAuth CORS middleware (so refusals carry the CORS headers a browser needs to read them).
 */
export function oauthInput(opts: OAuthInputOptions) {
  const base = `${opts.prefix}/`;
  const paths = new Set(opts.paths ?? []);
  return async function oauthInputMiddleware(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith(base) && !paths.has(ctx.path)) return next();
    const queryProblem = parameterProblem(ctx.query);
    if (queryProblem) return refuse(ctx, 400, queryProblem);
    if (ctx.method !== 'POST' || !requestHasBody(ctx)) return next();
    const declared = Number(ctx.get('content-length') || '0');
    if (declared > opts.bodyLimitBytes) {
      ctx.set('Connection', 'close'); // the body is not read: do not keep the connection
      return refuse(ctx, 413, `request body is larger than ${opts.bodyLimitBytes} bytes`);
    }
    const outcome = watchBody(ctx, opts.bodyLimitBytes);
    await next();
    if (outcome.tooLarge) {
      ctx.set('Connection', 'close');
      refuse(ctx, 413, `request body is larger than ${opts.bodyLimitBytes} bytes`);
    } else if (outcome.problem) {
      refuse(ctx, 400, outcome.problem);
    }
  };
}
