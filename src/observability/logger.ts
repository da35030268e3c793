/**
 * pino logger with redaction of every credential-bearing field (design.md §5.7): JSON lines in
 * production and test, pretty output when NODE_ENV=development.
 */
import pino from 'pino';
import type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.client_secret',
  '*.password',
  '*.refresh_token',
  '*.access_token',
  '*.code',
  '*.code_verifier',
  '*.id_token',
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'code',
  // issue 5 §4: the other names a credential goes by, top level and one level down
  'code_verifier',
  'id_token',
  'token',
  'secret',
  'cookie',
  '*.token',
  '*.secret',
  '*.secret_hash',
  '*.password_hash',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  // RFC 7523 / RFC 8693 / RFC 8628 credentials (README "Grants")
  'assertion',
  'client_assertion',
  'subject_token',
  'actor_token',
  'device_code',
  '*.assertion',
  '*.client_assertion',
  '*.subject_token',
  '*.actor_token',
  '*.device_code',
];

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  /** Where lines go (tests capture them); default stdout. */
  destination?: pino.DestinationStream;
  /**
   * Write stdout asynchronously (pino's SonicBoom with `sync: false`): a request no longer waits
   * for its log line's write(2). Lines are gathered until {@link ASYNC_LOG_BUFFER}'s `minLength`
   * bytes, and written at least every `periodicFlush` milliseconds. Lines still buffered at exit are
   * lost unless `logger.flush()` runs first (main.ts does on shutdown). Production default.
   */
  async?: boolean;
}

/**
 * Buffering of the asynchronous stdout destination (sonic-boom options; issue 6). Unbuffered, every
 * line was its own write(2) on a threadpool thread plus a wake-up of the event loop, one per
 * request for the access line; gathered into writes of at least 4 KiB, ccauth's CPU per
 * client_credentials request fell 2 % and 5 % (two 8-round A/Bs). A quiet server's lines still leave within a
 * second (`periodicFlush`, milliseconds).
 */
export const ASYNC_LOG_BUFFER = Object.freeze({ minLength: 4096, periodicFlush: 1000 });

/** Creates the root logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const base = { level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'ccauth' } };
  if (opts.destination) return pino(base, opts.destination);
  if (opts.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  if (opts.async) return pino(base, pino.destination({ dest: 1, sync: false, ...ASYNC_LOG_BUFFER }));
  return pino(base);
}

export type { Logger };
