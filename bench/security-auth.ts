/**
 * Authentications per second for the security section (bench/security.ts): `connections` of our
 * client's Connection.open, `concurrency` at a time, each closed once open. Over SASL_PLAINTEXT one
 * open is ApiVersions + SaslHandshake + SaslAuthenticate (one round for PLAIN, two for SCRAM); the
 * PLAINTEXT and SSL rows (ApiVersions alone, and a TLS handshake before it) are what a connection
 * costs without SASL. The client runs in this process: its CPU is this process's (PBKDF2 included:
 * Node runs it on libuv's thread pool, which process.cpuUsage counts).
 */
import { Connection } from '../src/client/connection.ts';
import { clientSecurityFromProperties, type ClientSecurity } from '../src/client/index.ts';
import { SCRAM_SHA_256, SCRAM_SHA_512, saltedPassword } from '../src/protocol/sasl/scram.ts';
import { ownCpuSeconds, type CpuClock } from './process-cpu.ts';

export type AuthMode = 'PLAINTEXT' | 'SSL' | 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const AUTH_MODES: readonly AuthMode[] = ['PLAINTEXT', 'SSL', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-secret';
/** The broker's JAAS config for PLAIN on the SASL_PLAINTEXT listener: the bench user and its password. */
export const PLAIN_JAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${BENCH_USER}" password="${BENCH_PASSWORD}" user_${BENCH_USER}="${BENCH_PASSWORD}";`;
/** Kafka's default for SCRAM credentials (and kafka-configs'). */
export const SCRAM_ITERATIONS = 4096;

export interface AuthTarget {
  readonly host: string;
  readonly ports: { readonly PLAINTEXT: number; readonly SSL: number; readonly SASL_PLAINTEXT: number };
  readonly truststore: string;
  readonly brokerPid: number;
  readonly clock: CpuClock;
}

export interface AuthResult {
  readonly mode: AuthMode;
  readonly connections: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly brokerCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

function securityFor(mode: AuthMode, truststore: string): ClientSecurity | undefined {
  if (mode === 'PLAINTEXT') return undefined;
  if (mode === 'SSL') return clientSecurityFromProperties(new Map([['security.protocol', 'SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', truststore]]));
  const module = mode === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return clientSecurityFromProperties(new Map([
    ['security.protocol', 'SASL_PLAINTEXT'], ['sasl.mechanism', mode],
    ['sasl.jaas.config', `${module} required username="${BENCH_USER}" password="${BENCH_PASSWORD}";`],
  ]));
}

function portFor(mode: AuthMode, target: AuthTarget): number {
  return mode === 'PLAINTEXT' ? target.ports.PLAINTEXT : mode === 'SSL' ? target.ports.SSL : target.ports.SASL_PLAINTEXT;
}

async function openMany(mode: AuthMode, target: AuthTarget, connections: number, concurrency: number): Promise<void> {
  const security = securityFor(mode, target.truststore);
  const port = portFor(mode, target);
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < connections) {
      started++;
      const connection = await Connection.open({
        host: target.host, port, clientId: 'bench-security-auth', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000,
        ...(security === undefined ? {} : { security }),
      });
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, connections) }, lane));
}

/** `connections` opens (after a fifth as many untimed, for the JIT), timed with the broker's and this process's CPU. */
export async function runAuth(mode: AuthMode, target: AuthTarget, connections: number, concurrency: number): Promise<AuthResult> {
  await openMany(mode, target, Math.max(10, Math.round(connections / 5)), concurrency);
  const broker = target.clock.cpuSeconds(target.brokerPid);
  const client = ownCpuSeconds();
  const start = performance.now();
  await openMany(mode, target, connections, concurrency);
  return {
    mode, connections, concurrency,
    seconds: (performance.now() - start) / 1000,
    brokerCpuSeconds: target.clock.cpuSeconds(target.brokerPid) - broker,
    clientCpuSeconds: ownCpuSeconds() - client,
  };
}

/** Milliseconds of one PBKDF2 derivation at SCRAM_ITERATIONS, on this thread: what each SCRAM login costs its client. */
export function pbkdf2Milliseconds(): Record<'SCRAM-SHA-256' | 'SCRAM-SHA-512', number> {
  const salt = Buffer.alloc(16, 7);
  const time = (mechanism: typeof SCRAM_SHA_256): number => {
    for (let i = 0; i < 5; i++) saltedPassword(mechanism, BENCH_PASSWORD, salt, SCRAM_ITERATIONS);
    const rounds = 50;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) saltedPassword(mechanism, BENCH_PASSWORD, salt, SCRAM_ITERATIONS);
    return (performance.now() - start) / rounds;
  };
  return { 'SCRAM-SHA-256': time(SCRAM_SHA_256), 'SCRAM-SHA-512': time(SCRAM_SHA_512) };
}
