/**
 * The provider holder (design.md §3 "Keys"): oidc-provider fixes its JWKS at construction, so when
 * the signing keys in `signing_keys` change, ccauth builds a new Provider and swaps it in. Requests
 * reach the provider through {@link ProviderHolder.middleware}, which forwards to whichever instance
 * is current; everything else asks {@link ProviderHolder.current} at the moment it needs a provider.
 *
 * A periodic check ({@link ProviderHolder.start}, every KEY_REFRESH_INTERVAL_SECONDS) reads a cheap
 * summary of the keys (kid + state of a handful of rows), runs the due lifecycle step (promote an old
 * enough `next` key, delete expired retired keys) and rebuilds when the set of keys or their states
 * changed. Opaque tokens, grants and sessions live in Postgres and cookies keep their keys, so they
 * survive a rebuild; in-flight requests finish on the instance they started on.
 *
 * Keystore order and `key_ops` decide which key signs: oidc-provider signs with the first key that
 * matches the algorithm and allows `sign`, so the `current` key comes first with no `key_ops`, and
 * `next`/`retired` keys carry `key_ops: ["verify"]` (they are published and verify, never sign).
 */
import type Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
import type { Logger } from 'pino';
import type { LoadedSigningKey, SigningKeysService } from '../services/signing-keys.service.ts';

/** Input of a provider build. */
export interface ProviderBuildInput {
  /** Private JWKs, the signing key first (see module doc). */
  jwks: { keys: JWK[] };
  /** JWS algorithm of the `current` key: ID tokens and JWT access tokens are signed with it. */
  signingAlg: string;
}

/** Holds the provider that serves requests right now. */
export interface ProviderHolder {
  /** The live provider instance; read it at the moment of use, never keep it. */
  readonly current: Provider;
  /** The private JWK of the `current` signing key (with `kid`) and its JWS algorithm; memory only. */
  readonly signingKey: { jwk: JWK; alg: string };
  /** koa middleware (mount at the root) forwarding to the live provider. */
  readonly middleware: Koa.Middleware;
  /**
   * Checks the keys now: runs the due lifecycle step and rebuilds the provider when the keys or
   * their states changed. Concurrent calls share one run.
   * @returns true when the provider was rebuilt.
   * @throws on database errors, or SealError when a key cannot be opened (the old provider stays).
   */
  refresh(): Promise<boolean>;
  /** Starts the periodic check. */
  start(): void;
  stop(): void;
}

/**
 * Orders keys for the provider keystore: `current` first (signs), then `next`, then `retired`
 * (newest first), the latter two limited to `key_ops: ["verify"]`.
 * @throws Error when there is no `current` key.
 */
export function toProviderJwks(keys: readonly LoadedSigningKey[]): ProviderBuildInput {
  const current = keys.find((k) => k.state === 'current');
  if (!current) throw new Error('no current signing key');
  const rank = { current: 0, next: 1, retired: 2 } as const;
  const ordered = [...keys].sort((a, b) => rank[a.state] - rank[b.state]);
  return {
    signingAlg: current.alg,
    jwks: {
      keys: ordered.map((k) => {
        const { key_ops: _ops, ...jwk } = k.privateJwk as JWK & { key_ops?: unknown };
        return (k.state === 'current' ? jwk : { ...jwk, key_ops: ['verify'] }) as JWK;
      }),
    },
  };
}

/**
 * Ensures a `current` key exists, loads the keys and builds the first provider.
 * @param deps.build constructs a fully configured provider (listeners, grants, overrides included).
 * @param deps.refreshIntervalMs period of the background check, milliseconds.
 * @throws SealError when a stored key cannot be opened with the configured key-encryption key.
 */
export async function createProviderHolder(deps: {
  keys: SigningKeysService;
  build: (input: ProviderBuildInput) => Provider;
  logger: Logger;
  refreshIntervalMs: number;
}): Promise<ProviderHolder> {
  const { keys, logger } = deps;
  let provider!: Provider;
  let signingKey!: { jwk: JWK; alg: string };
  let mounted!: Koa.Middleware;
  let loadedFingerprint = '';
  let inflight: Promise<boolean> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function load(): Promise<void> {
    const loaded = await keys.loadKeys();
    const input = toProviderJwks(loaded.keys);
    const next = deps.build(input);
    provider = next;
    signingKey = { jwk: input.jwks.keys[0]!, alg: input.signingAlg };
    mounted = mount(next as unknown as Koa);
    loadedFingerprint = loaded.fingerprint;
    logger.info(
      { event: 'signing_keys_loaded', keys: loaded.keys.map((k) => ({ kid: k.kid, state: k.state, alg: k.alg })) },
      'signing keys loaded; provider (re)built',
    );
  }

  async function check(): Promise<boolean> {
    let summaries = await keys.summaries();
    if (keys.isMaintenanceDue(summaries)) {
      const r = await keys.maintain();
      if (r.activatedKid) logger.info({ event: 'signing_key_activated', kid: r.activatedKid, retired: r.retiredKid }, 'signing key became current');
      if (r.deletedKids.length) logger.info({ event: 'signing_keys_deleted', kids: r.deletedKids }, 'expired retired signing keys deleted');
      summaries = await keys.summaries();
    }
    if (keys.fingerprint(summaries) === loadedFingerprint) return false;
    await load();
    return true;
  }

  const holder: ProviderHolder = {
    get current() {
      return provider;
    },
    get signingKey() {
      return signingKey;
    },
    middleware: (ctx, next) => mounted(ctx, next),
    refresh() {
      inflight ??= check().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    start() {
      timer ??= setInterval(() => {
        holder.refresh().catch((err: unknown) => logger.warn({ err }, 'signing key check failed; will retry'));
      }, deps.refreshIntervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };

  await keys.ensureCurrentKey();
  await holder.refresh();
  return holder;
}
