/**
 * Request schemas of `/environment/v3/data-centers` (genesys-api.md E10-E11; Genesys "Provision Genesys Authentication", "Add a data
 * center").
 */
import { z } from 'zod';
import { fields } from '../validate.ts';
import { regionPath } from './environments.schemas.ts';

/** An entry point: an absolute http(s) URL without user information or fragment. */
export const entryPointSchema = z
  .string({ error: 'must be an absolute http(s) URL' })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((s, ctx) => {
    if (/[\p{Cc}\p{Cs}\s]/u.test(s)) {
      ctx.addIssue({ code: 'custom', message: 'must not contain spaces, control characters or unpaired surrogates' });
      return;
    }
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    if (u.username || u.password) ctx.addIssue({ code: 'custom', message: 'must not contain user information' });
    if (s.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
  });

const readOnly = z.boolean({ error: 'must be true or false' });

/** E10 body. */
export const createDataCenterBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    location: regionPath,
    entryPoint: entryPointSchema,
    readOnly: readOnly.default(false),
  }),
});

/** PUT body: every field optional (partial merge). */
export const updateDataCenterBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    location: regionPath.optional(),
    entryPoint: entryPointSchema.optional(),
    readOnly: readOnly.optional(),
  }),
});
