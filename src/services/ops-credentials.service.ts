/**
 * The ops principal's credentials (Genesys "Provision Genesys Authentication": `--user ops:ops`; genesys-api.md §6): HTTP Basic on
 * the ops and Environment APIs, and `username=ops` in the password grant.
 *
 * A plaintext OPS_PASSWORD is compared in constant time; an OPS_PASSWORD_HASH (argon2id or bcrypt)
 * is verified with the hash library, and successes are cached briefly under an HMAC so the ops API
 * does not pay a hash on every call.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/config.ts';
import { verifyAgainstDummy, verifySecret } from '../security/passwords.ts';
import { constantTimeEqual } from '../security/tokens.ts';

export interface OpsCredentials {
  /** The configured ops username (the password grant's `username=ops`). */
  readonly username: string;
  /** True when both username and password match. Never throws. */
  verify(username: string, password: string): Promise<boolean>;
}

/** Creates the verifier from configuration. */
export function createOpsCredentials(ops: Config['ops']): OpsCredentials {
  const key = randomBytes(32);
  const cache = new LRUCache<string, true>({ max: 100, ttl: 60_000 });
  return {
    username: ops.username,
    async verify(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string') return false;
      const userOk = constantTimeEqual(username, ops.username);
      if (ops.password !== undefined) {
        const passOk = constantTimeEqual(password, ops.password);
        return userOk && passOk;
      }
      const mac = createHmac('sha256', key).update(username).update('\0').update(password).digest('base64url');
      if (userOk && cache.get(mac)) return true;
      const passOk = userOk ? await verifySecret(ops.passwordHash!, password) : await verifyAgainstDummy(password);
      if (userOk && passOk) cache.set(mac, true);
      return userOk && passOk;
    },
  };
}
