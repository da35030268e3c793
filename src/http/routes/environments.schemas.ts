/**
 * Request schemas of `/environment/v3/environments` (genesys-api.md E1-E3; Genesys "Provision Genesys Authentication", "Add a Genesys
 * tenant/environment"), plus field schemas shared by the other Environment API route groups.
 * Field names are Genesys's; timeouts are seconds.
 */
import { z } from 'zod';
import { TRACE_MODES } from '../../domain/environment.ts';
import { fields } from '../validate.ts';

/** Defaults of E1 when the caller leaves a field out (the values of Genesys's own example). */
export const ENVIRONMENT_DEFAULTS = Object.freeze({
  connectionProtocol: 'addp',
  localTimeout: 5,
  remoteTimeout: 7,
  appName: 'Cloud',
  traceMode: 'CFGTMBoth',
  tlsEnabled: false,
  tenant: 'Environment',
});

/** A region path: `/` (all regions) or `/usw1`, `/USW1`; 1-128 characters, no whitespace. */
export const regionPath = z
  .string({ error: 'must be a region path such as / or /usw1' })
  .regex(/^\/[^\s\p{Cc}\p{Cs}]{0,127}$/u, 'must be a region path such as / or /usw1 (starts with /, at most 128 characters, no spaces)');

/**
 * A boolean that Genesys scripts may also send as the string `"true"` / `"false"` (any case),
 * as E8 does for `shared`.
 */
export const booleanish = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*(true|false)\s*$/i.test(v) ? v.trim().toLowerCase() === 'true' : v),
  z.boolean({ error: 'must be true or false' }),
);

const host = z
  .string({ error: 'must be a host name or IP address' })
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[^\s\p{Cc}\p{Cs}/\\?#@]+$/u, 'must be a host name or IP address');
const port = z.number({ error: 'must be a TCP port number' }).int('must be a whole number').min(1, 'must be 1-65535').max(65_535, 'must be 1-65535');
const timeoutSeconds = z
  .number({ error: 'must be a number of seconds' })
  .int('must be a whole number of seconds')
  .min(1, 'must be at least 1 second')
  .max(86_400, 'must be at most 86400 seconds');

/** One Configuration Server address (E1 `configServers[]`). */
export const configServerSchema = z
  .object({
    primaryAddress: host,
    primaryPort: port,
    backupAddress: host.optional(),
    backupPort: port.optional(),
    readOnly: z.boolean({ error: 'must be true or false' }).default(false),
    locations: regionPath.default('/'),
  })
  .refine((cs) => cs.backupPort === undefined || cs.backupAddress !== undefined, {
    message: 'backupPort needs a backupAddress',
    path: ['backupPort'],
  });

const common = {
  username: fields.text(255),
  password: fields.storableText(1024),
  connectionProtocol: z.string({ error: 'must be a string' }).regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be a protocol name such as addp'),
  localTimeout: timeoutSeconds,
  remoteTimeout: timeoutSeconds,
  appName: fields.text(255),
  traceMode: z.enum(TRACE_MODES, { error: `must be one of ${TRACE_MODES.join(', ')}` }),
  tlsEnabled: z.boolean({ error: 'must be true or false' }),
  tenant: fields.text(255),
  configServers: z.array(configServerSchema, { error: 'must be an array' }).max(32, 'at most 32 Configuration Servers'),
};

/** E1 body. Only `username` is required; the rest default to {@link ENVIRONMENT_DEFAULTS}. */
export const createEnvironmentBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    username: common.username,
    password: common.password.optional(),
    connectionProtocol: common.connectionProtocol.default(ENVIRONMENT_DEFAULTS.connectionProtocol),
    localTimeout: common.localTimeout.default(ENVIRONMENT_DEFAULTS.localTimeout),
    remoteTimeout: common.remoteTimeout.default(ENVIRONMENT_DEFAULTS.remoteTimeout),
    appName: common.appName.default(ENVIRONMENT_DEFAULTS.appName),
    traceMode: common.traceMode.default(ENVIRONMENT_DEFAULTS.traceMode as (typeof TRACE_MODES)[number]),
    tlsEnabled: common.tlsEnabled.default(ENVIRONMENT_DEFAULTS.tlsEnabled),
    tenant: common.tenant.default(ENVIRONMENT_DEFAULTS.tenant),
    configServers: common.configServers.default([]),
  }),
});

/** E3 PUT body: every field optional (partial merge); `id`, when present, must equal the path id. */
export const updateEnvironmentBody = z.object({
  data: z.object({
    id: fields.uuid.optional(),
    username: common.username.optional(),
    password: common.password.optional(),
    connectionProtocol: common.connectionProtocol.optional(),
    localTimeout: common.localTimeout.optional(),
    remoteTimeout: common.remoteTimeout.optional(),
    appName: common.appName.optional(),
    traceMode: common.traceMode.optional(),
    tlsEnabled: common.tlsEnabled.optional(),
    tenant: common.tenant.optional(),
    configServers: common.configServers.optional(),
  }),
});
