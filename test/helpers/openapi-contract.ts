/**
 * The contract test's checker (README "API"): validates a supertest response against the OpenAPI
 * document the app serves at `/openapi.json` — the operation found by method and path, the schema
 * of the answered status and media type (JSON Schema 2020-12, with ajv) — and records which
 * operations were seen, so a test can require that every operation was exercised.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: Json }>; headers?: Record<string, unknown> }>;
}

/** A checker over one document. */
export interface Contract {
  /** Validates `res` against its operation; returns the operationId. Throws with every mismatch. */
  check(res: Response): string;
  /** operationIds checked so far. */
  readonly seen: ReadonlySet<string>;
  /** Every operation of the document: `operationId` → `METHOD path`. */
  readonly operations: ReadonlyMap<string, string>;
}

/** Builds a checker for `document` (the parsed `/openapi.json`). */
export async function createContract(document: Json): Promise<Contract> {
  const deref = (await SwaggerParser.dereference(structuredClone(document) as never)) as unknown as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<Json, ValidateFunction>();
  const templates = Object.keys(deref.paths)
    .map((p) => ({ path: p, params: (p.match(/\{/g) ?? []).length, re: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
    .sort((a, b) => a.params - b.params);
  const operations = new Map<string, string>();
  for (const [p, item] of Object.entries(deref.paths)) for (const [m, op] of Object.entries(item)) operations.set(op.operationId, `${m.toUpperCase()} ${p}`);
  const seen = new Set<string>();

  return {
    seen,
    operations,
    check(res) {
      const req = (res as unknown as { req: { method: string; path: string } }).req;
      const method = req.method.toLowerCase();
      const pathname = new URL(req.path, 'http://x').pathname;
      const template = templates.find((t) => t.re.test(pathname) && deref.paths[t.path]![method]);
      if (!template) throw new Error(`contract: no operation for ${req.method} ${pathname}`);
      const op = deref.paths[template.path]![method]!;
      const described = op.responses[String(res.status)];
      if (!described) throw new Error(`contract: ${op.operationId} does not describe status ${res.status} (answered ${JSON.stringify(res.body)})`);
      const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (described.content) {
        const media = described.content[type];
        if (!media) throw new Error(`contract: ${op.operationId} ${res.status} does not describe ${type || 'an empty body'}`);
        if (type === 'application/json') {
          let validate = compiled.get(media.schema);
          if (!validate) compiled.set(media.schema, (validate = ajv.compile(media.schema)));
          if (!validate(res.body)) {
            throw new Error(`contract: ${op.operationId} ${res.status} body does not match: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`);
          }
        }
      }
      if (res.status === 401 && !res.headers['www-authenticate']) throw new Error(`contract: ${op.operationId} 401 without WWW-Authenticate`);
      seen.add(op.operationId);
      return op.operationId;
    },
  };
}
