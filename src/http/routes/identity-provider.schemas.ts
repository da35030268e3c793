/**
 * Request schema of `PUT /environment/v3/contact-centers/{ccid}/identity-provider` (README "Signing
 * in" → "Single sign-on"): `{"data": {"type": "saml", "metadataXml" | "metadataUrl", "binding",
 * "userMatch", "usernameAttribute", "allowIdpInitiated", "jitProvisioning", "ssoOnly"}}`. Exactly
 * one of `metadataXml` / `metadataUrl`. The metadata itself is checked by the service
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

const samlBody = z
  .object({
    type: z.literal('saml', { error: 'must be "saml"' }),
    metadataXml: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(MAX_METADATA_CHARS, `must be at most ${MAX_METADATA_CHARS} characters`)
      .refine(isStorableText, 'must not contain NUL characters or unpaired surrogates')
      .optional(),
    metadataUrl: httpUrl.optional(),
    binding: z.enum(['redirect', 'post'], { error: 'must be "redirect" or "post"' }).default('redirect'),
    userMatch: z.enum(['username', 'externalId', 'email'], { error: 'must be "username", "externalId" or "email"' }).default('username'),
    usernameAttribute: z
      .string({ error: 'must be a string or null' })
      .trim()
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .refine((s) => !/[\p{Cc}\p{Cs}]/u.test(s), 'must not contain control characters')
      .nullable()
      .default(null),
    allowIdpInitiated: z.boolean({ error: 'must be true or false' }).default(false),
    jitProvisioning: z.boolean({ error: 'must be true or false' }).default(false),
    ssoOnly: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.metadataXml === undefined) === (d.metadataUrl === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['metadataXml'], message: 'give exactly one of metadataXml and metadataUrl' });
    }
  })
  .transform((d) => ({ ...d, metadataXml: d.metadataXml ?? null, metadataUrl: d.metadataUrl ?? null }));

/** The PUT body. */
export const putIdentityProviderBody = z.object({
  data: samlBody,
});
