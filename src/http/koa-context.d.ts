import type { Logger } from 'pino';

declare module 'koa' {
  interface DefaultContext {
    /** Child logger bound to this request's id (set by the request-logger middleware). */
    log: Logger;
    /** The request id: the caller's X-Request-Id when sane, else a new UUID. */
    requestId: string;
  }
}
