/**
 * Edge validation with zod (design.md §5.3): turns a zod failure into an AppError carrying one
 * field-level issue per problem (HTTP 400, Genesys code 10; code 1 when `data` is missing).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { SINGLE_LINE_TEXT_MESSAGE, UNSTORABLE_TEXT_MESSAGE, isSingleLineText, isStorableText } from '../domain/text.ts';

/** Validates `value` against `schema`; @throws AppError validation | missing_parameter. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
  if (parsed.error.issues.some((i) => i.path.length === 1 && i.path[0] === 'data' && i.code === 'invalid_type' && (value as { data?: unknown } | null)?.data === undefined)) {
    throw new AppError('missing_parameter', "missing required parameter 'data'", issues);
  }
  throw new AppError('validation', `validation failed: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
}

/** Validates the JSON request body. */
export function validateBody<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  return validate(schema, (ctx.request as { body?: unknown }).body);
}

/** A path parameter that must be a UUID; anything else is a 404 (it cannot name a resource). */
export function uuidParam(ctx: Context, name: string, what: string): string {
  const v = (ctx.params as Record<string, string>)[name] ?? '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) throw new AppError('not_found', `${what} not found`);
  return v.toLowerCase();
}

/** Reusable field schemas. */
export const fields = {
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID').transform((s) => s.toLowerCase()),
  /** Seconds, a positive integer below 10 years. */
  seconds: z.number({ error: 'must be a number of seconds' }).int('must be a whole number of seconds').positive('must be positive').max(315_360_000, 'must be at most 10 years'),
  /**
   * A single-line display value (a name): trimmed, 1-`max` characters, no control characters, no
   * bidirectional formatting characters, no NUL or unpaired surrogates (domain/text.ts).
   */
  text: (max = 255) =>
    z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(max, `must be at most ${max} characters`)
      .superRefine((s, ctx) => {
        if (s.includes('\u0000')) ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters' });
        else if (!isSingleLineText(s)) ctx.addIssue({ code: 'custom', message: SINGLE_LINE_TEXT_MESSAGE });
      }),
  /**
   * Free text that is stored verbatim (descriptions, setting values, passwords before hashing): at
   * most `max` characters, no NUL and no unpaired surrogates (PostgreSQL cannot keep them).
   */
  storableText: (max: number) =>
    z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
};
