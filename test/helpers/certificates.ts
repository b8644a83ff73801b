/**
 * Test certificates, made by the test with openssl (never committed keys): a CA, a broker
 * certificate for 127.0.0.1 and localhost, and client certificates, each as Kafka's PEM keystore
 * (a PKCS#8 key followed by its certificate chain) plus the CA as a PEM truststore.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirSync } from './temp-dir.ts';

export interface Keystore {
  /** One PEM file: the private key, then the certificate and the CA's. */
  readonly keystore: string;
  readonly key: string;
  readonly certificate: string;
}

export interface TestCertificates {
  readonly dir: string;
  /** The CA's certificate: the truststore of brokers and clients. */
  readonly truststore: string;
  readonly broker: Keystore;
  /** A client certificate with subject `CN=<name>,OU=clients,O=Samsa` (made on demand). */
  client(name: string): Keystore;
  /** A certificate for `name` signed by a CA nobody trusts. */
  untrustedClient(name: string): Keystore;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/O=Samsa/CN=${name}`], dir);
  return { key, cert };
}

function signed(dir: string, ca: { key: string; cert: string }, name: string, subject: string, extensions: string): Keystore {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext], dir);
  const keystore = join(dir, `${name}.keystore.pem`);
  // openssl writes PKCS#8 ("BEGIN PRIVATE KEY"), as Kafka's PEM keystores want.
  writeFileSync(keystore, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8') + readFileSync(ca.cert, 'utf8'));
  return { keystore, key, certificate: cert };
}

/** Makes a CA and a broker certificate in a temp dir removed when the test process exits. */
export function makeTestCertificates(): TestCertificates {
  const dir = tempDirSync('samsa-certs-');
  const ca = makeCa(dir, 'samsa-test-ca');
  const broker = signed(dir, ca, 'broker', '/O=Samsa/OU=brokers/CN=broker', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  const clients = new Map<string, Keystore>();
  let rogueCa: { key: string; cert: string } | undefined;
  return {
    dir,
    truststore: ca.cert,
    broker,
    client(name) {
      let keystore = clients.get(name);
      if (keystore === undefined) {
        keystore = signed(dir, ca, `client-${name}`, `/O=Samsa/OU=clients/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
        clients.set(name, keystore);
      }
      return keystore;
    },
    untrustedClient(name) {
      rogueCa ??= makeCa(dir, 'rogue-ca');
      return signed(dir, rogueCa, `rogue-${name}`, `/O=Samsa/OU=clients/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
    },
  };
}
