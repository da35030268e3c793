/**
 * Request schemas of `/environment/v3/contact-centers/{ccid}/settings` (genesys-api.md E7-E9, §6;
 * Genesys "Provision Genesys Authentication", "Update CORS settings"). `shared` may be a boolean or the string "true"/"false".
 * Per-name value rules (`cors-origins`) are the settings service's.
 */
import { z } from 'zod';
import { MAX_SETTING_VALUE_BYTES, SETTING_NAME_PATTERN } from '../../domain/environment.ts';
import { UNSTORABLE_TEXT_MESSAGE, isStorableText } from '../../domain/text.ts';
import { booleanish, regionPath } from './environments.schemas.ts';

/** A setting name: 1-128 characters `[A-Za-z0-9._-]`. */
export const settingNameSchema = z.string({ error: 'must be a string' }).regex(SETTING_NAME_PATTERN, 'must be 1-128 letters, digits, ".", "_" or "-"');

/** E8 body: the whole setting; `location` defaults to `/`, `shared` to false. */
export const putSettingBody = z.object({
  data: z.object({
    name: settingNameSchema,
    value: z
      .string({ error: 'must be a string' })
      .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_SETTING_VALUE_BYTES, `must be at most ${MAX_SETTING_VALUE_BYTES} bytes`)
      .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
    location: regionPath.default('/'),
    shared: booleanish.default(false),
  }),
});
