/**
 * DPoP for the grants ccauth implements itself (client_credentials, password): the same steps
 * oidc-provider's built-in handlers take (RFC 9449 §5; `lib/helpers/grant_common.js`
 * `applyDpopBinding`, `lib/helpers/sender_constraints.js` `checkDpopRequired`), with the proof
 * errors of oauth/dpop.ts (`invalid_dpop_proof`).
 */
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { boundGrantHelpers } from './builtin-helpers.ts';

/** A validated proof (oidc-provider's shape): the key's RFC 7638 thumbprint, `jti`, `iat`. */
export interface ValidatedProof {
  thumbprint: string;
  jti: string;
  iat: number;
}

type Helpers = {
  validateDpop(ctx: KoaContextWithOIDC): Promise<ValidatedProof | undefined>;
  checkDpopRequired(ctx: KoaContextWithOIDC, proof: ValidatedProof | undefined, ErrorClass: unknown): void;
  checkDpopReplay(ctx: KoaContextWithOIDC, proof: ValidatedProof | undefined, clientId: string, ErrorClass: unknown): Promise<void>;
};

/** Binds tokens of one grant to the request's DPoP proof. */
export interface DpopBinder {
  /**
   * Checks the request's `DPoP` header (signature, `typ`, algorithm, `htm`, `htu`, `iat` window),
   * for a `dpop_bound_access_tokens` client that there is one, and records its `jti` (single use
   * across processes, oauth/dpop.ts).
   * @returns the proof, or undefined when none was sent.
   * @throws `InvalidDpopProof` (400 invalid_dpop_proof) for a bad, replayed or missing-but-required proof.
   */
  validate(ctx: KoaContextWithOIDC): Promise<ValidatedProof | undefined>;
  /** With a proof, binds `token` to its key (`cnf.jkt`); no-op without. */
  bind(proof: ValidatedProof | undefined, token: { setThumbprint(prop: 'jkt', input: string): void }): void;
}

/** Creates the binder for `provider`. */
export function createDpopBinder(provider: Provider): DpopBinder {
  const helpers = boundGrantHelpers(provider) as unknown as Helpers;
  return {
    async validate(ctx) {
      const proof = await helpers.validateDpop(ctx);
      helpers.checkDpopRequired(ctx, proof, errors.InvalidDpopProof);
      await helpers.checkDpopReplay(ctx, proof, ctx.oidc.client!.clientId, errors.InvalidDpopProof);
      return proof;
    },
    bind(proof, token) {
      if (proof) token.setThumbprint('jkt', proof.thumbprint);
    },
  };
}
