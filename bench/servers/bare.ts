/**
 * The HTTP ceiling for `npm run bench`: a bare koa app answering every request with a small JSON
 * body (no routing, no body parsing, no database). Env BENCH_PORT; listens on 127.0.0.1 only.
 */
import http from 'node:http';
import Koa from 'koa';

const port = Number(process.env.BENCH_PORT);
const app = new Koa();
app.use((ctx) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { access_token: 'x'.repeat(43), token_type: 'bearer', expires_in: 3600, scope: '*' };
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 5_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`bare koa listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
