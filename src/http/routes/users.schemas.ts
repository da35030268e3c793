/**
 * Request schemas of `/environment/v3/contact-centers/{ccid}/users` (genesys-api.md §5.1, §5.2, §7).
 * Field names follow the Genesys user models: `username`, `firstName`, `lastName`, `email`,
 * `authorities` (role names such as `ROLE_AGENT`), `properties` (string → string), plus
 * `password` (plaintext in, never out), `enabled` and `mustChangePassword` (the user must choose a new
 * password at the next sign-in; README "Password change and policy").
 */
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, usernameProblem } from '../../domain/user.ts';
import { isStorableText } from '../../domain/text.ts';

/** Most properties one user may carry. */
export const MAX_USER_PROPERTIES = 100;
/** Longest property name, in characters. */
export const MAX_PROPERTY_NAME_LENGTH = 128;
/** Longest property value, in characters. */
export const MAX_PROPERTY_VALUE_LENGTH = 4096;

/** Control characters or unpaired surrogates (PostgreSQL text and jsonb cannot keep them faithfully). */
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;
const storable = (s: string): boolean => !UNSTORABLE.test(s);
const NO_CONTROL = 'must not contain control characters or unpaired surrogates';

/**
 * A username: trimmed, then {@link usernameProblem}: 1-255 characters, no `\`, no control,
 * invisible or bidirectional formatting characters, no mix of Latin/Greek/Cyrillic letters.
 * Stored as given (display form) plus its canonical form (uniqueness and login).
 */
export const usernameSchema = z.string({ error: 'must be a string' }).trim().superRefine((s, ctx) => {
  const problem = usernameProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A password: 8-1024 characters of RFC 6749 Appendix A `UNICODECHARNOCRLF` (any Unicode character
 * but control characters other than TAB, and no unpaired surrogates), so that it can be sent as the
 * password grant's `password` parameter and typed on the sign-in page. It is only ever hashed.
 */
export const passwordSchema = z
  .string({ error: 'must be a string' })
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((s) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s) && isStorableText(s), 'must not contain control characters (other than tab) or unpaired surrogates');

/** First or last name: trimmed, at most 255 characters; empty or null means "none". */
const personName = z
  .string({ error: 'must be a string or null' })
  .trim()
  .max(255, 'must be at most 255 characters')
  .refine(storable, NO_CONTROL)
  .transform((s) => (s === '' ? null : s))
  .nullable();

/** An email address (trimmed, at most 254 characters) or null. */
const email = z
  .string({ error: 'must be a string or null' })
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an email address' }))
  .nullable();

/** A role name such as `ROLE_AGENT`. */
const authority = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 letters, digits or _ . : -');

const propertyValue = z
  .string({ error: 'must be a string' })
  .max(MAX_PROPERTY_VALUE_LENGTH, `must be at most ${MAX_PROPERTY_VALUE_LENGTH} characters`)
  .refine((s) => !s.includes('\u0000') && !/\p{Cs}/u.test(s), 'must not contain NUL characters or unpaired surrogates');

/**
 * User properties: a string → string map of at most 100 entries; names 1-128 characters without
 * control characters. Bad names are reported on `data.properties` (the name is not echoed back).
 */
const properties = z
  .record(z.string(), propertyValue, { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object of string values' : undefined) })
  .superRefine((p, ctx) => {
    const names = Object.keys(p);
    if (names.length > MAX_USER_PROPERTIES) ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_USER_PROPERTIES} properties` });
    if (names.some((n) => n.length === 0 || n.length > MAX_PROPERTY_NAME_LENGTH || !storable(n))) {
      const message = `property names must be 1-${MAX_PROPERTY_NAME_LENGTH} characters without control characters or unpaired surrogates`;
      ctx.addIssue({ code: 'custom', message });
    }
  })
  .transform((p) => ({ ...p }));

const common = {
  firstName: personName,
  lastName: personName,
  email,
  authorities: z.array(authority, { error: 'must be an array of strings' }).max(100, 'must have at most 100 authorities'),
  properties,
  enabled: z.boolean({ error: 'must be true or false' }),
  mustChangePassword: z.boolean({ error: 'must be true or false' }),
  /** Genesys "Use External User ID": 1-255 characters without control characters; null or '' = none. */
  externalId: z
    .string({ error: 'must be a string or null' })
    .trim()
    .max(255, 'must be at most 255 characters')
    .refine(storable, NO_CONTROL)
    .transform((s) => (s === '' ? null : s))
    .nullable(),
};

/** `POST .../users` body: `{"data":{username, password, firstName?, lastName?, email?, authorities?, properties?, enabled?}}`. */
export const createUserBody = z.object({
  data: z.object({
    username: usernameSchema,
    password: passwordSchema,
    firstName: common.firstName.default(null),
    lastName: common.lastName.default(null),
    email: common.email.default(null),
    authorities: common.authorities.default([]),
    properties: common.properties.default({}),
    enabled: common.enabled.default(true),
    mustChangePassword: common.mustChangePassword.default(false),
    externalId: common.externalId.default(null),
  }),
});

/** `PUT .../users/{id}` body: any subset of the create fields (partial merge). */
export const updateUserBody = z.object({
  data: z.object({
    username: usernameSchema.optional(),
    password: passwordSchema.optional(),
    firstName: common.firstName.optional(),
    lastName: common.lastName.optional(),
    email: common.email.optional(),
    authorities: common.authorities.optional(),
    properties: common.properties.optional(),
    enabled: common.enabled.optional(),
    mustChangePassword: common.mustChangePassword.optional(),
    externalId: common.externalId.optional(),
  }),
});
