import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { saslClientConfigFromProperties, type SaslClientConfig } from './sasl/sasl-client.ts';

/** Kafka's security.protocol values. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** How a client secures its connections: Kafka's security.protocol, ssl.* and sasl.* settings. */
export interface ClientSecurity {
  readonly securityProtocol: SecurityProtocol;
  /** SSL and SASL_SSL: Node's TLS options (ca, cert, key, passphrase, servername, checkServerIdentity...). */
  readonly ssl?: TlsConnectionOptions;
  /** SASL_PLAINTEXT and SASL_SSL: the mechanism and its credentials. */
  readonly sasl?: SaslClientConfig;
}

export function usesTls(security: ClientSecurity | undefined): boolean {
  return security?.securityProtocol === 'SSL' || security?.securityProtocol === 'SASL_SSL';
}

export function usesSasl(security: ClientSecurity | undefined): boolean {
  return security?.securityProtocol === 'SASL_PLAINTEXT' || security?.securityProtocol === 'SASL_SSL';
}

/** A bad security setting: what the tools print, naming the key. */
export class ClientSecurityConfigError extends Error {
  override readonly name = 'ClientSecurityConfigError';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string, type: (blockType: string) => boolean): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((match) => type(match[1]!)).map((match) => match[0]);
}

/** The certificates of a PEM text (a truststore, a chain), in order. */
export function pemCertificates(text: string): string[] {
  return pemBlocks(text, (type) => type === 'CERTIFICATE');
}

/**
 * A PEM keystore as Kafka's PEM keystores hold one: a private key (PKCS#8, encrypted or not) and
 * its certificate chain, in one text. Read the same way by our client and by the broker's listeners.
 */
export function pemKeystore(text: string): { key: string | undefined; certificates: string[] } {
  return { key: pemBlocks(text, (type) => type.endsWith('PRIVATE KEY'))[0], certificates: pemCertificates(text) };
}

function readFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ClientSecurityConfigError(`${key}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * A client's security from Kafka client properties, as the Java client reads them: security.protocol;
 * PEM trust and keys (ssl.truststore.location or ssl.truststore.certificates; ssl.keystore.location,
 * or ssl.keystore.key with ssl.keystore.certificate.chain, for mutual TLS; ssl.key.password);
 * ssl.endpoint.identification.algorithm (https checks the broker's host name, empty does not);
 * sasl.mechanism and sasl.jaas.config. Undefined when the properties leave security.protocol unset.
 * `consumed` collects the keys it read, so the caller can warn about the rest.
 */
export function clientSecurityFromProperties(props: ReadonlyMap<string, string>, consumed?: Set<string>): ClientSecurity | undefined {
  const get = (key: string): string | undefined => {
    consumed?.add(key);
    const value = props.get(key)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const protocolText = get('security.protocol');
  for (const key of props.keys()) if (key.startsWith('ssl.') || key.startsWith('sasl.')) consumed?.add(key);
  if (protocolText === undefined) return undefined;
  const securityProtocol = SECURITY_PROTOCOLS.find((p) => p === protocolText.toUpperCase());
  if (securityProtocol === undefined) {
    throw new ClientSecurityConfigError(`security.protocol: ${protocolText} is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  let ssl: TlsConnectionOptions | undefined;
  if (securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL') {
    for (const key of ['ssl.truststore.type', 'ssl.keystore.type']) {
      const type = get(key);
      if (type !== undefined && type.toUpperCase() !== 'PEM') throw new ClientSecurityConfigError(`${key}: ${type} stores are not supported; use PEM`);
    }
    const trustText = get('ssl.truststore.certificates') ?? (get('ssl.truststore.location') === undefined ? undefined : readFile(get('ssl.truststore.location')!, 'ssl.truststore.location'));
    const keystoreText = get('ssl.keystore.key') !== undefined
      ? `${get('ssl.keystore.key')}\n${get('ssl.keystore.certificate.chain') ?? ''}`
      : (get('ssl.keystore.location') === undefined ? undefined : readFile(get('ssl.keystore.location')!, 'ssl.keystore.location'));
    const keystore = keystoreText === undefined ? undefined : pemKeystore(keystoreText);
    const passphrase = get('ssl.key.password') ?? get('ssl.keystore.password');
    const identification = props.has('ssl.endpoint.identification.algorithm') ? (props.get('ssl.endpoint.identification.algorithm') ?? '').trim() : 'https';
    consumed?.add('ssl.endpoint.identification.algorithm');
    ssl = {
      ...(trustText === undefined ? {} : { ca: pemCertificates(trustText) }),
      ...(keystore === undefined ? {} : { key: keystore.key, cert: keystore.certificates.join('\n') }),
      ...(passphrase === undefined ? {} : { passphrase }),
      // An empty algorithm turns the host name check off, as in the Java client; the chain is still verified.
      ...(identification === '' ? { checkServerIdentity: () => undefined } : {}),
    };
  }
  let sasl: SaslClientConfig | undefined;
  if (securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL') {
    const mechanism = get('sasl.mechanism') ?? 'GSSAPI';
    const jaas = get('sasl.jaas.config');
    if (jaas === undefined) throw new ClientSecurityConfigError(`sasl.jaas.config: must be set for ${securityProtocol} with sasl.mechanism=${mechanism}`);
    try {
      sasl = saslClientConfigFromProperties(mechanism, jaas);
    } catch (error) {
      throw new ClientSecurityConfigError(`sasl.jaas.config: ${(error as Error).message}`);
    }
  }
  return { securityProtocol, ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}
