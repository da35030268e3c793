/**
 * The HTML form bodies of ccauth's browser pages (login, consent, password change, sign-out, single
 * sign-on, console): `application/x-www-form-urlencoded` in UTF-8 only, up to a fixed size. A body
 * that cannot be read (too large, another type, bad encoding) becomes `{}`, so the route answers
 * as for a form without its CSRF token — a page, never a 500 (docs/security-model.md "Hostile input").
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

/**
 * The form-body parser for pages.
 * @param limit the largest body, in bytes-module notation (`'16kb'`, `'1mb'`)
 */
export function formBody(limit: string): Middleware {
  return bodyParser({
    enableTypes: ['form'],
    formLimit: limit,
    encoding: 'utf-8',
    onError(_err, ctx) {
      (ctx as Context).request.body = {};
    },
  }) as Middleware;
}

/** A form field as a string: '' when absent or repeated (a repeated field is never trusted). */
export function formField(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}
