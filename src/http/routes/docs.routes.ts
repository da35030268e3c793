/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of the admin, user info and Genesys APIs, generated
 * from the routes' zod schemas: http/openapi/) and `GET /docs`, the document rendered by Swagger UI
 * (README "API").
 *
 * Swagger UI comes from the installed `swagger-ui-dist` package and is served by ccauth itself
 * under `/docs/` (an allow-list of three files): no CDN, no telemetry (the package's install-time
 * analytics script is not run: package.json `allowScripts`), no validator badge (`validatorUrl:
 * null`, which would call validator.swagger.io). The page has its own Content-Security-Policy:
 * scripts and styles from this origin only, images from this origin or `data:`, requests to this
 * origin and PUBLIC_URL's, no framing, no forms.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { buildOpenApiDocument } from '../openapi/document.ts';

/** Path of the document and of the docs page. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ccauth API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

interface Asset {
  type: string;
  body: string | Buffer;
}

/** The files under `/docs/`, read from swagger-ui-dist on first use. */
function loadAssets(): Map<string, Asset> {
  const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return new Map<string, Asset>([
    ['swagger-ui.css', { type: 'text/css; charset=utf-8', body: readFileSync(path.join(dir, 'swagger-ui.css')) }],
    ['swagger-ui-bundle.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(dir, 'swagger-ui-bundle.js')) }],
    ['init.js', { type: 'text/javascript; charset=utf-8', body: INIT_SCRIPT }],
  ]);
}

/** ccauth's version, for `info.version`. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function pageHeaders(ctx: Context, publicOrigin: string): void {
  ctx.set(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ${publicOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
}

/** The routes of the document and the docs page. `publicUrl`: PUBLIC_URL, the document's server. */
export function createDocsRouter(deps: { publicUrl: string }): Router {
  const router = new Router();
  const publicOrigin = new URL(deps.publicUrl).origin;
  let documentText: string | undefined;
  let assets: Map<string, Asset> | undefined;

  router.get(OPENAPI_PATH, (ctx) => {
    documentText ??= JSON.stringify(buildOpenApiDocument({ publicUrl: deps.publicUrl, version: packageVersion() }));
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = documentText;
  });

  router.get(DOCS_PATH, (ctx) => {
    if (ctx.path !== DOCS_PATH) {
      // `/docs/` or `/DOCS`: the page's relative links need exactly `/docs` (relative Location, so a path prefix in front of ccauth is kept)
      ctx.status = 301;
      ctx.redirect(ctx.path.endsWith('/') ? '../docs' : 'docs');
      return;
    }
    pageHeaders(ctx, publicOrigin);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });

  router.get(`${DOCS_PATH}/:file`, (ctx) => {
    assets ??= loadAssets();
    const asset = assets.get(ctx.params.file ?? '');
    if (!asset) {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = 'Not found';
      return;
    }
    pageHeaders(ctx, publicOrigin);
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = asset.type;
    ctx.body = asset.body;
  });

  return router;
}
