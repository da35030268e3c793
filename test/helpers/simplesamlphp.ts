/**
 * SimpleSAMLphp from Debian (`apt-get install simplesamlphp php-cli`) as a throwaway SAML 2.0
 * identity provider on loopback: a temporary configuration directory (SIMPLESAMLPHP_CONFIG_DIR)
 * with an `exampleauth:UserPass` source, a freshly generated IdP key pair, ccauth's SP as the only
 * remote SP (its AuthnRequest signatures are validated), served by `php -S` from the package's
 * `www/` directory. The IdP is reached as `http://localhost:<port>` so that it is another site than
 * ccauth on `127.0.0.1` (the ACS post is cross-site, as in production).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { newKeyPair } from './saml-idp.ts';

/** Where Debian installs SimpleSAMLphp. */
export const SIMPLESAMLPHP_DIR = '/usr/share/simplesamlphp';
/** Why the SimpleSAMLphp tests cannot run here, or undefined when they can. */
export const SIMPLESAMLPHP_MISSING = !existsSync(`${SIMPLESAMLPHP_DIR}/www/index.php`)
  ? `no SimpleSAMLphp at ${SIMPLESAMLPHP_DIR}; install it with "apt-get install -y simplesamlphp php-cli"`
  : !existsSync('/usr/bin/php')
    ? 'no /usr/bin/php; install it with "apt-get install -y php-cli"'
    : undefined;

export interface SimpleSamlPhp {
  /** `http://localhost:<port>` */
  baseUrl: string;
  /** The IdP metadata URL (SAML 2.0 metadata of the hosted IdP). */
  metadataUrl: string;
  /** The IdP's entityID. */
  entityId: string;
  /** Log lines written by php (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const php = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the IdP.
 * @param sp ccauth's SP entityID, ACS URL and signing certificate (base64 DER)
 * @param users `name → { password, attributes }`; `uid` is released as an attribute
 */
export async function startSimpleSamlPhp(
  sp: { entityId: string; acsUrl: string; certificateB64: string },
  users: Record<string, { password: string; attributes: Record<string, string> }>,
): Promise<SimpleSamlPhp> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccauth-ssp-'));
  const config = path.join(dir, 'config');
  const metadata = path.join(dir, 'metadata');
  const cert = path.join(dir, 'cert');
  for (const d of [config, metadata, cert, path.join(dir, 'tmp'), path.join(dir, 'data'), path.join(dir, 'log')]) mkdirSync(d, { recursive: true });
  const key = newKeyPair('simplesamlphp test idp');
  writeFileSync(path.join(cert, 'idp.key'), key.privateKeyPem);
  writeFileSync(path.join(cert, 'idp.crt'), key.certificatePem);

  writeFileSync(
    path.join(config, 'config.php'),
    `<?php
require ${php(`${SIMPLESAMLPHP_DIR}/config/config.php`)};
$config = array_merge($config, [
  'baseurlpath' => ${php(`${baseUrl}/`)},
  'certdir' => ${php(`${cert}/`)},
  'loggingdir' => ${php(`${dir}/log/`)},
  'datadir' => ${php(`${dir}/data/`)},
  'tempdir' => ${php(`${dir}/tmp`)},
  'metadatadir' => ${php(`${metadata}/`)},
  'metadata.sources' => [['type' => 'flatfile', 'directory' => ${php(`${metadata}/`)}]],
  'secretsalt' => ${php(key.certificateB64.slice(10, 42))},
  'auth.adminpassword' => ${php(key.certificateB64.slice(50, 80))},
  'technicalcontact_email' => 'test@example.com',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
  'logging.handler' => 'errorlog',
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'session.cookie.secure' => false,
  'session.cookie.samesite' => null,
  'store.type' => 'phpsession',
  'timezone' => 'UTC',
]);
`,
  );
  const userEntries = Object.entries(users)
    .map(([name, u]) => {
      const attrs = Object.entries({ uid: name, ...u.attributes })
        .map(([k, v]) => `${php(k)} => [${php(v)}]`)
        .join(', ');
      return `    ${php(`${name}:${u.password}`)} => [${attrs}],`;
    })
    .join('\n');
  writeFileSync(
    path.join(config, 'authsources.php'),
    `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'test-userpass' => [
    'exampleauth:UserPass',
${userEntries}
  ],
];
`,
  );
  writeFileSync(
    path.join(metadata, 'saml20-idp-hosted.php'),
    `<?php
$metadata['__DYNAMIC:1__'] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'test-userpass',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'SingleSignOnServiceBinding' => ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'],
];
`,
  );
  writeFileSync(
    path.join(metadata, 'saml20-sp-remote.php'),
    `<?php
$metadata[${php(sp.entityId)}] = [
  'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => ${php(sp.acsUrl)}]],
  'certData' => ${php(sp.certificateB64)},
  'validate.authnrequest' => true,
  'saml20.sign.assertion' => true,
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
`,
  );

  let out = '';
  const child: ChildProcess = spawn('/usr/bin/php', ['-S', `127.0.0.1:${port}`, '-t', `${SIMPLESAMLPHP_DIR}/www`], {
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: config },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const metadataUrl = `${baseUrl}/saml2/idp/metadata.php`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(metadataUrl);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`SimpleSAMLphp did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    metadataUrl,
    entityId: metadataUrl,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
