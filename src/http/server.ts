/**
 * The Node.js HTTP server in front of the koa app (docs/security-model.md "Security model" → "Hostile input"; OWASP
 * ASVS 5.0 V13.1 resource limits): the request line plus all headers may take at most
 * `maxHeaderBytes` (MAX_HEADER_BYTES, node's `maxHeaderSize`; default 16 KiB); the strict HTTP
 * parser stays on (`insecureHTTPParser: false`), a request needs a `Host` header.
 *
 * Requests the HTTP parser refuses never reach koa; {@link answerClientError} answers them with a
 * small JSON body that both error shapes' clients understand (RFC 6749 `error`/`error_description`
 * and the Genesys envelope `status`) and closes the connection: header block too large → 431,
 * chunk extensions too large → 413, request timeout → 408, anything else malformed → 400.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../observability/logger.ts';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Largest request line + header block accepted, bytes (MAX_HEADER_BYTES). */
  maxHeaderBytes: number;
  logger?: Logger;
}

/** Status, reason phrase and description for a parser error code. */
function clientErrorAnswer(code: string | undefined, maxHeaderBytes: number): [number, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', `request headers are larger than ${maxHeaderBytes} bytes`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Payload Too Large', 'chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'the request was not received in time'];
    default:
      return [400, 'Bad Request', 'malformed HTTP request'];
  }
}

/**
 * The server's `clientError` listener (see the module comment). Writes the answer straight to the
 * socket, then closes it; a socket already gone, or one whose response has started, is destroyed.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, maxHeaderBytes: number, logger?: Logger): void {
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const [status, reason, description] = clientErrorAnswer(err.code, maxHeaderBytes);
  logger?.info({ event: 'http_request_refused', status, code: err.code }, `HTTP request refused by the parser: ${description}`);
  const body = JSON.stringify({ error: 'invalid_request', error_description: description, status: { code: 2, message: description } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Creates the HTTP server for `handler` (koa's `app.callback()`) with the limits above. */
export function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void, opts: HttpServerOptions): http.Server {
  const server = http.createServer({ maxHeaderSize: opts.maxHeaderBytes, insecureHTTPParser: false, requireHostHeader: true }, handler);
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => answerClientError(err, socket, opts.maxHeaderBytes, opts.logger));
  return server;
}
