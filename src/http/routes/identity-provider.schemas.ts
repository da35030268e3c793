/**
 * Request schema of `PUT /environment/v3/contact-centers/{ccid}/identity-provider` (README "Signing
 * in" → "Single sign-on"): `{"data": {"type": "saml", "metadataXml" | "metadataUrl", "binding",
 * "userMatch", "usernameAttribute", "allowIdpInitiated", "jitProvisioning", "ssoOnly"}}` or
 * `{"data": {"type": "oidc", "issuer", "clientId", "clientSecret", "scope", "userMatch",
 * "usernameClaim", "jitProvisioning", "ssoOnly"}}`. Exactly one of `metadataXml` / `metadataUrl`. The metadata itself is checked by the service
 * (federation/saml-metadata.ts): XML, a signing certificate, the chosen binding.
 */
import { z } from 'zod';
import { isStorableText } from '../../domain/text.ts';
import { MAX_METADATA_CHARS } from '../../federation/saml-metadata.ts';

const httpUrl = z
  .string({ error: 'must be a string' })
  .max(2048, 'must be at most 2048 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');

const userMatch = z.enum(['username', 'externalId', 'email'], { error: 'must be "username", "externalId" or "email"' }).default('username');
const flag = z.boolean({ error: 'must be true or false' });
const name = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\p{Cc}\p{Cs}]/u.test(s), 'must not contain control characters');

const samlBody = z
  .object({
    type: z.literal('saml'),
    metadataXml: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(MAX_METADATA_CHARS, `must be at most ${MAX_METADATA_CHARS} characters`)
      .refine(isStorableText, 'must not contain NUL characters or unpaired surrogates')
      .optional(),
    metadataUrl: httpUrl.optional(),
    binding: z.enum(['redirect', 'post'], { error: 'must be "redirect" or "post"' }).default('redirect'),
    userMatch,
    usernameAttribute: name(255).nullable().default(null),
    allowIdpInitiated: flag.default(false),
    jitProvisioning: flag.default(false),
    ssoOnly: flag.default(false),
  })
  .strict();

const oidcBody = z
  .object({
    type: z.literal('oidc'),
    issuer: httpUrl,
    clientId: name(255),
    /** Kept sealed, never returned; absent on a replace = keep the stored one. */
    clientSecret: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').refine(isStorableText, 'must not contain NUL characters or unpaired surrogates').optional(),
    scope: z
      .string({ error: 'must be a string' })
      .max(1024, 'must be at most 1024 characters')
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope tokens (RFC 6749 §3.3)')
      .refine((s) => s.split(' ').includes('openid'), 'must include openid')
      .default('openid profile email'),
    userMatch,
    usernameClaim: name(255).default('preferred_username'),
    jitProvisioning: flag.default(false),
    ssoOnly: flag.default(false),
  })
  .strict();

/**
 * The PUT body: a SAML identity provider (exactly one of `metadataXml` / `metadataUrl`) or an
 * upstream OpenID Connect provider (`issuer`, `clientId`, `clientSecret`, `scope`, `usernameClaim`).
 */
export const putIdentityProviderBody = z.object({
  data: z
    .discriminatedUnion('type', [samlBody, oidcBody], { error: (iss) => (iss.code === 'invalid_union' ? 'type must be "saml" or "oidc"' : undefined) })
    .superRefine((d, ctx) => {
      if (d.type === 'saml' && (d.metadataXml === undefined) === (d.metadataUrl === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['metadataXml'], message: 'give exactly one of metadataXml and metadataUrl' });
      }
    })
    .transform((d) => (d.type === 'saml' ? { ...d, metadataXml: d.metadataXml ?? null, metadataUrl: d.metadataUrl ?? null } : d)),
});
