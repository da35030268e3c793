/**
 * Request schemas of `/environment/v3/contact-centers` (genesys-api.md E4-E6, §7; Genesys "Provision Genesys Authentication", "Add a
 * contact center"). `domains` may be an array or a single string (the seed writes one value).
 */
import { z } from 'zod';
import { DEFAULT_CONTACT_CENTER_AUTH, canonicalDomain, domainProblem } from '../../domain/environment.ts';
import { fields } from '../validate.ts';

/**
 * One login domain; returned canonical ({@link canonicalDomain}: NFKC, invisible characters removed,
 * case folded). Refused ({@link domainProblem}): `.`, `\`, `/`, whitespace, control or invisible
 * characters, mixed Latin/Greek/Cyrillic letters, more than 64 characters.
 */
export const domainSchema = z
  .string({ error: 'must be a string' })
  .superRefine((d, ctx) => {
    const problem = domainProblem(d);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(canonicalDomain);

/** `domains`: an array of domains, or one domain as a string. */
const domainsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(domainSchema, { error: 'must be an array of domains or one domain' }).max(100, 'at most 100 domains'),
);

const authSchema = z.string({ error: 'must be a string' }).regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be an authentication scheme name such as configServer');

/** E4 body. */
export const createContactCenterBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    environmentId: fields.uuid,
    domains: domainsSchema.default([]),
    auth: authSchema.default(DEFAULT_CONTACT_CENTER_AUTH),
  }),
});

/** E6 PUT body: every field optional (partial merge; `domains` replaces the whole list). */
export const updateContactCenterBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    environmentId: fields.uuid.optional(),
    domains: domainsSchema.optional(),
    auth: authSchema.optional(),
  }),
});
