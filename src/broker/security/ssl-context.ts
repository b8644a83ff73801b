import { readFileSync } from 'node:fs';
import type { SecureVersion, TlsOptions } from 'node:tls';
import { pemCertificates, pemKeystore } from '../../client/client-security.ts';
import { ConfigError } from '../config-definition.ts';
import { listenerSetting, type ListenerConfigSource } from '../listener-configs.ts';
import type { securityConfigDefinitions } from '../config-security.ts';

type Defs = typeof securityConfigDefinitions;
/** The broker config (its per-listener and broker-wide TLS settings). */
export type SslConfigSource = ListenerConfigSource;

/** The key, certificates and trust a TLS endpoint is built from, read from PEM. */
export interface SslMaterial {
  readonly key: string | undefined;
  readonly cert: string | undefined;
  readonly passphrase: string | undefined;
  /** Certificates the peer's must chain to; undefined trusts Node's default CAs. */
  readonly ca: string[] | undefined;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly ciphers: string | undefined;
}


function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(key, `cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Reads a listener's (or the inter-broker client's) TLS material as Kafka's PEM keystore and
 * truststore settings give it: ssl.keystore.location naming one file with the private key and its
 * chain, or ssl.keystore.key and ssl.keystore.certificate.chain inline; ssl.truststore.location or
 * ssl.truststore.certificates for what peers' certificates must chain to. Read at each call, so a
 * listener reconfigured with new files (or the same paths rewritten) takes the new certificates.
 */
export function sslMaterial(config: SslConfigSource, listenerName: string): SslMaterial {
  const setting = <K extends keyof Defs>(key: K) => listenerSetting(config, listenerName, key);
  const keystoreType = setting('ssl.keystore.type');
  const inlineKey = setting('ssl.keystore.key');
  const inlineChain = setting('ssl.keystore.certificate.chain');
  const keystoreLocation = setting('ssl.keystore.location');
  let key: string | undefined;
  let cert: string | undefined;
  if (inlineKey !== null || inlineChain !== null || keystoreLocation !== null) {
    if (keystoreType !== 'PEM') {
      throw new ConfigError('ssl.keystore.type', `${keystoreType} keystores are not supported: Samsa reads PEM (set ssl.keystore.type=PEM)`);
    }
    const keystore = pemKeystore(inlineKey !== null || inlineChain !== null
      ? `${inlineKey ?? ''}\n${inlineChain ?? ''}`
      : readPem(keystoreLocation!, 'ssl.keystore.location'));
    key = keystore.key;
    const chain = keystore.certificates;
    if (key === undefined) throw new ConfigError('ssl.keystore.location', 'the keystore holds no private key');
    if (chain.length === 0) throw new ConfigError('ssl.keystore.location', 'the keystore holds no certificate');
    cert = chain.join('\n');
  }
  const inlineTrust = setting('ssl.truststore.certificates');
  const trustLocation = setting('ssl.truststore.location');
  let ca: string[] | undefined;
  if (inlineTrust !== null || trustLocation !== null) {
    const trustType = setting('ssl.truststore.type');
    if (trustType !== 'PEM') {
      throw new ConfigError('ssl.truststore.type', `${trustType} truststores are not supported: Samsa reads PEM (set ssl.truststore.type=PEM)`);
    }
    ca = pemCertificates(inlineTrust ?? readPem(trustLocation!, 'ssl.truststore.location'));
    if (ca.length === 0) throw new ConfigError('ssl.truststore.location', 'the truststore holds no certificate');
  }
  const protocols = setting('ssl.enabled.protocols') as readonly SecureVersion[];
  if (protocols.length === 0) throw new ConfigError('ssl.enabled.protocols', 'no TLS version enabled');
  const ciphers = setting('ssl.cipher.suites');
  return {
    key,
    cert,
    passphrase: setting('ssl.key.password') ?? setting('ssl.keystore.password') ?? undefined,
    ca,
    minVersion: protocols.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3',
    maxVersion: protocols.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2',
    ciphers: ciphers.length === 0 ? undefined : ciphers.join(':'),
  };
}

/** A TLS listener's server options: its material, and whether it asks for client certificates (ssl.client.auth). */
export function sslServerOptions(config: SslConfigSource, listenerName: string): TlsOptions {
  const material = sslMaterial(config, listenerName);
  if (material.key === undefined) {
    throw new ConfigError(`listener.name.${listenerName.toLowerCase()}.ssl.keystore.location`, `the TLS listener ${listenerName} has no keystore`);
  }
  const clientAuth = listenerSetting(config, listenerName, 'ssl.client.auth');
  return {
    key: material.key,
    cert: material.cert,
    passphrase: material.passphrase,
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    minVersion: material.minVersion,
    maxVersion: material.maxVersion,
    ...(material.ciphers === undefined ? {} : { ciphers: material.ciphers }),
    requestCert: clientAuth !== 'none',
    // `requested`: a client without a (trusted) certificate still connects, as ANONYMOUS.
    rejectUnauthorized: clientAuth === 'required',
  };
}
