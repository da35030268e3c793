/**
 * `/auth/v3/ops/keys` — signing keys for ID tokens and JWT access tokens (README "Signing keys";
 * design.md §3 "Keys"). HTTP Basic with the ops credentials on every route. Responses never carry
 * private key material: only kid, algorithm, state and dates.
 *
 * - `GET /auth/v3/ops/keys` → `{"status":{"code":0},"data":[key, ...]}` (oldest first)
 * - `POST /auth/v3/ops/keys/rotate` with no body, `{}` or `{"data":{"immediate":false}}` creates a
 *   `next` key (published in the JWKS, not signing) — or returns the pending one — which the
 *   periodic check promotes once KEY_ROTATION_DELAY_SECONDS old. `{"data":{"immediate":true}}`
 *   (emergencies) promotes it at once. → `{"status":{"code":0},"data":{"key":…,"created":bool,
 *   "promoted":bool,"retiredKid"?:…,"keys":[…]}}`
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { RotationResult, SigningKeyInfo } from '../../services/signing-keys.service.ts';
import { ok } from '../envelope.ts';
import { validate } from '../validate.ts';

/** What the routes need: listing and rotating (the latter also reloads this process's provider). */
export interface KeysAdmin {
  list(): Promise<SigningKeyInfo[]>;
  rotate(opts: { immediate: boolean }): Promise<RotationResult>;
}

/** Body of `POST /auth/v3/ops/keys/rotate` (optional). */
export const rotateKeysBody = z
  .object({ data: z.object({ immediate: z.boolean({ error: 'must be true or false' }).optional() }).strict().optional() })
  .strict()
  .optional();

/** The ops view of a key: dates as ISO 8601 strings, absent when not set. */
export function toKeyView(k: SigningKeyInfo): Record<string, unknown> {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    createdAt: k.createdAt.toISOString(),
    ...(k.promotableAt ? { promotableAt: k.promotableAt.toISOString() } : {}),
    ...(k.activatedAt ? { activatedAt: k.activatedAt.toISOString() } : {}),
    ...(k.retiredAt ? { retiredAt: k.retiredAt.toISOString() } : {}),
    ...(k.expiresAt ? { expiresAt: k.expiresAt.toISOString() } : {}),
  };
}

/** Routes of the signing-key API; mount behind `requireOps`. */
export function createOpsKeysRouter(deps: { keys: KeysAdmin }): Router {
  const router = new Router({ prefix: '/auth/v3/ops/keys' });

  router.get('/', async (ctx) => {
    ok(ctx, { data: (await deps.keys.list()).map(toKeyView) });
  });

  router.post('/rotate', async (ctx) => {
    const body = validate(rotateKeysBody, (ctx.request as { body?: unknown }).body ?? undefined);
    const immediate = body?.data?.immediate === true;
    const r = await deps.keys.rotate({ immediate });
    ctx.log.info(
      { event: 'signing_key_rotation', kid: r.key.kid, created: r.created, promoted: r.promoted, retired: r.retiredKid, admin: ctx.state.admin?.name },
      immediate ? 'signing key rotated immediately' : 'signing key rotation started',
    );
    ok(ctx, {
      data: {
        key: toKeyView(r.key),
        created: r.created,
        promoted: r.promoted,
        ...(r.retiredKid ? { retiredKid: r.retiredKid } : {}),
        keys: r.keys.map(toKeyView),
      },
    });
  });

  return router;
}
