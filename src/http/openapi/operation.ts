/**
 * One described route of the OpenAPI document (README "API"): method, path, who may call it, the
 * zod schemas it validates with, and what it answers. Adding a route to ccauth means adding one
 * {@link ApiOperation} to operations.ts; test/integration/openapi.test.ts fails while a mounted
 * route has none, or an operation has no route.
 */
import type { z } from 'zod';

/** Who may call an operation (the security schemes of the document). */
export type OperationAuth =
  /** HTTP Basic with the ops credentials (`/auth/v3/ops/*`). */
  | 'ops'
  /** Ops Basic, or a Bearer token of the ops principal or an internal client (`/environment/v3/*`; design.md §3b). */
  | 'admin'
  /** Any live opaque access token as a Bearer token (RFC 6750). */
  | 'bearer'
  /** `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set. */
  | 'metrics'
  | 'none';

/** What a successful call answers. */
export type OperationSuccess =
  /**
   * The Genesys envelope `{"status":{"code":0}, data?, path?, nextCursor?}`: `data` names a
   * component schema (`'Client'`), or a list of one (`['Client']`).
   */
  | { envelope: { data?: string | [string]; path?: true; nextCursor?: true } }
  /** Plain JSON of a component schema (userinfo, health). */
  | { json: string }
  /** Another media type, described in words (metrics text, the docs page). */
  | { media: string; description: string };

/** A described route. Paths use OpenAPI `{param}` templates. */
export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  /** Unique, camelCase. */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: OperationAuth;
  /** The query parameters (each key of the object is one). */
  query?: z.ZodObject;
  /** The JSON request body (the zod schema the route validates with). */
  body?: z.ZodType;
  /** True when the body may be left out (the schema's input accepts undefined). */
  bodyOptional?: boolean;
  ok: OperationSuccess;
  /** Extra error answers beyond those implied by auth, body and path parameters (`409`, ...). */
  errors?: readonly number[];
  /** When the operation may answer `303 See Other`: what the redirect means. */
  redirect?: string;
  /**
   * True when the success is an envelope but refusals are RFC 6750 / RFC 6749 error JSON
   * (`{"error","error_description"}`), as on jwt-userinfo, which refuses exactly as userinfo does.
   */
  oauthErrors?: boolean;
  /** Extra response media types for 200 (e.g. `application/x-ndjson`), with their description. */
  alsoProduces?: Record<string, string>;
}
