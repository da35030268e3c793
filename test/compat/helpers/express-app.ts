/**
 * A relying-party web app for the passport strategies of the compat suite: express with passport
 * (`initialize`, `session`, serialize the whole user), as passport's and the strategies' READMEs
 * set it up. express-session is not a dependency of ccauth, so {@link memorySession} stands in
 * for it: the same `req.session` contract passport 0.7 and the strategies use (an object kept
 * between requests by a cookie, with `regenerate` and `save`), kept in memory.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { listenLoopback } from './compat-server.ts';

type SessionData = Record<string, unknown> & { regenerate(cb: (err?: unknown) => void): void; save(cb?: (err?: unknown) => void): void };

/** An in-memory `req.session` keyed by the `sid` cookie (express-session's contract, minimally). */
export function memorySession() {
  const store = new Map<string, Record<string, unknown>>();
  return (req: Request, res: Response, next: NextFunction) => {
    const cookie = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    let sid = cookie && store.has(cookie) ? cookie : undefined;
    const bind = (id: string): SessionData => {
      const data = store.get(id)!;
      Object.defineProperties(data, {
        regenerate: {
          value(cb: (err?: unknown) => void) {
            const fresh = randomBytes(16).toString('base64url');
            store.delete(id);
            store.set(fresh, {});
            sid = fresh;
            res.cookie('sid', fresh, { httpOnly: true, path: '/' });
            (req as unknown as { session: SessionData }).session = bind(fresh);
            cb();
          },
          enumerable: false,
          configurable: true,
        },
        save: { value: (cb?: (err?: unknown) => void) => cb?.(), enumerable: false, configurable: true },
      });
      return data as SessionData;
    };
    if (!sid) {
      sid = randomBytes(16).toString('base64url');
      store.set(sid, {});
      res.cookie('sid', sid, { httpOnly: true, path: '/' });
    }
    (req as unknown as { session: SessionData }).session = bind(sid);
    next();
  };
}

/**
 * A listening express app on 127.0.0.1 with sessions and passport; `setup` (called once the base
 * URL is known, awaited) registers the strategy and its routes. `GET /me` answers the signed-in
 * user as JSON (401 when none); errors answer 500 with their message as JSON.
 */
export async function startPassportApp(setup: (app: Express, pp: typeof passport, base: string) => void | Promise<void>): Promise<{ base: string; close(): Promise<void> }> {
  const app = express();
  let base = '';
  const listener = await listenLoopback((req, res) => app(req, res));
  base = `http://127.0.0.1:${listener.port}`;
  app.use(memorySession());
  app.use(passport.initialize());
  app.use(passport.session());
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  await setup(app, passport, base);
  // the page a signed-in person lands on: what the app knows about them
  app.get('/me', (req, res) => {
    if (!req.user) return res.status(401).json({ error: 'not signed in' });
    res.json(req.user);
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: String(err?.message ?? err), name: err?.name, details: (err as { cause?: unknown }).cause ?? (err as { oauthError?: unknown }).oauthError ?? null });
  });
  return { base, close: listener.close };
}
