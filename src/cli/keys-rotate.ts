/**
 * `npm run keys:rotate [-- --immediate] [-- --list]`: signing-key rotation from the command line
 * (docs/operations.md "Signing keys"), against DATABASE_URL (or the embedded PGlite database under DATA_DIR),
 * with the same KEY_ENCRYPTION_KEY as the servers.
 *
 * Without flags: creates a `next` key (published in the JWKS, not signing; a pending one is reused).
 * Running servers publish it within KEY_REFRESH_INTERVAL_SECONDS and promote it to `current` once it
 * is KEY_ROTATION_DELAY_SECONDS old. `--immediate` (emergencies) promotes it now. `--list` only
 * prints the keys. Prints kid, algorithm, state and dates; never key material.
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createDatabase } from '../db/knex.ts';
import { migrateLatest } from '../db/migrate.ts';
import { ID_TOKEN_TTL_SECONDS } from '../oauth/provider.ts';
import { createSealer, loadOrCreateKeyFile } from '../security/seal.ts';
import { createSigningKeysService } from '../services/signing-keys.service.ts';
import type { SigningKeyInfo } from '../services/signing-keys.service.ts';

const USAGE = 'usage: npm run keys:rotate [-- --immediate | --list]';

function line(k: SigningKeyInfo): string {
  const dates = [
    `created ${k.createdAt.toISOString()}`,
    k.promotableAt ? `promotable ${k.promotableAt.toISOString()}` : '',
    k.activatedAt ? `activated ${k.activatedAt.toISOString()}` : '',
    k.retiredAt ? `retired ${k.retiredAt.toISOString()}` : '',
    k.expiresAt ? `expires ${k.expiresAt.toISOString()}` : '',
  ].filter(Boolean);
  return `${k.state.padEnd(8)} ${k.alg.padEnd(6)} ${k.kid}  ${dates.join(', ')}`;
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--immediate' && a !== '--list');
if (unknown.length || (args.includes('--immediate') && args.includes('--list'))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

try {
  const config = loadConfig(process.env);
  const db = createDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: config.dataDir });
  try {
    await migrateLatest(db.knex);
    const service = createSigningKeysService({
      knex: db.knex,
      sealer: createSealer(config.keyEncryptionKeys ?? [loadOrCreateKeyFile(path.join(config.dataDir, 'key-encryption-key'))]),
      algorithm: config.signingKeyAlg,
      rotationDelaySeconds: config.keyRotationDelaySeconds,
      idTokenTtlSeconds: ID_TOKEN_TTL_SECONDS,
    });
    await service.ensureCurrentKey();
    // fail early (before changing anything) when the keys cannot be opened with this KEK
    await service.loadKeys();
    if (args.includes('--list')) {
      for (const k of await service.list()) process.stdout.write(`${line(k)}\n`);
    } else {
      const r = await service.rotate({ immediate: args.includes('--immediate') });
      if (r.promoted) {
        process.stdout.write(`key ${r.key.kid} is now current${r.retiredKid ? `; ${r.retiredKid} retired` : ''}. Running servers switch within KEY_REFRESH_INTERVAL_SECONDS (${config.keyRefreshIntervalMs / 1000} s).\n`);
      } else {
        process.stdout.write(
          `${r.created ? 'created' : 'already pending:'} next key ${r.key.kid}; published within ${config.keyRefreshIntervalMs / 1000} s, signing from ${r.key.promotableAt?.toISOString()} (KEY_ROTATION_DELAY_SECONDS=${config.keyRotationDelaySeconds}).\n`,
        );
      }
      for (const k of r.keys) process.stdout.write(`  ${line(k)}\n`);
    }
  } finally {
    await db.close();
  }
} catch (err) {
  process.stderr.write(`ccauth keys:rotate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
