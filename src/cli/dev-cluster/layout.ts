/**
 * What `samsa dev-cluster` keeps in its directory, so a second run, `dev-cluster stop` and a user
 * reading it find the same things:
 *   <dir>/dev-cluster.json            the running cluster: ZooKeeper's and each broker's pid and port
 *   <dir>/zookeeper/                  ZooKeeper's zoo.cfg, data and zookeeper.log
 *   <dir>/broker-<id>/server.properties, broker.log, data/   one broker each
 *   <dir>/console/console.properties, console.log             the console (samsa console)
 *   <dir>/schema-registry/schema-registry.properties, schema-registry.log   the schema registry
 * The data survives a stop, so the next start finds its topics; the ports are kept when still free.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_FILE = 'dev-cluster.json';

export interface BrokerEntry {
  readonly id: number;
  readonly port: number;
  /** Where the broker serves Prometheus metrics (GET /metrics); absent in a state file of an older Samsa. */
  readonly metricsPort?: number;
  /** The broker process (bin/samsa execs Node in place, so this is the broker itself); null when stopped. */
  readonly pid: number | null;
}

export interface ConsoleEntry {
  readonly port: number;
  /** Where a user opens it: http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly pid: number | null;
}

export interface SchemaRegistryEntry {
  readonly port: number;
  /** What serializers and `--schema-registry` take: http://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number | null;
}

export interface DevClusterState {
  readonly zookeeper: { readonly port: number; readonly pid: number | null };
  readonly brokers: readonly BrokerEntry[];
  /** The console serving the cluster; absent in a state file of an older Samsa. */
  readonly console?: ConsoleEntry;
  /** The schema registry (samsa schema-registry) over the cluster; absent in a state file of an older Samsa. */
  readonly schemaRegistry?: SchemaRegistryEntry;
  /** The bootstrap list printed at start: every broker's host:port. */
  readonly bootstrap: string;
}

export const LOOPBACK = '127.0.0.1';

export const zookeeperDir = (dir: string): string => join(dir, 'zookeeper');
export const brokerDir = (dir: string, id: number): string => join(dir, `broker-${id}`);
export const brokerPropertiesFile = (dir: string, id: number): string => join(brokerDir(dir, id), 'server.properties');
export const brokerLogFile = (dir: string, id: number): string => join(brokerDir(dir, id), 'broker.log');
export const consoleDir = (dir: string): string => join(dir, 'console');
/** The console's client properties: also what marks its process as this directory's (its command line names the file). */
export const consolePropertiesFile = (dir: string): string => join(consoleDir(dir), 'console.properties');
export const consoleLogFile = (dir: string): string => join(consoleDir(dir), 'console.log');

/** A metrics listener on loopback, as metrics.listener takes it; its page is at /metrics. */
export function metricsUrlOf(port: number): string {
  return `http://${LOOPBACK}:${port}`;
}

/** The console's address, as a user opens it. */
export function consoleUrlOf(port: number): string {
  return `http://${LOOPBACK}:${port}/`;
}

/** `samsa console --command-config` for the dev cluster: names its client in the brokers' logs. */
export const CONSOLE_PROPERTIES = '# Written by samsa dev-cluster: the client properties of its console.\nclient.id=samsa-dev-cluster-console\n';

export const schemaRegistryDir = (dir: string): string => join(dir, 'schema-registry');
/** The registry's client properties: like the console's, the path that marks its process as this directory's. */
export const schemaRegistryPropertiesFile = (dir: string): string => join(schemaRegistryDir(dir), 'schema-registry.properties');
export const schemaRegistryLogFile = (dir: string): string => join(schemaRegistryDir(dir), 'schema-registry.log');
export const SCHEMA_REGISTRY_PROPERTIES = '# Written by samsa dev-cluster: the client properties of its schema registry.\nclient.id=samsa-dev-cluster-schema-registry\n';

/** The registry's address without a trailing slash, as Confluent's clients take schema.registry.url. */
export function schemaRegistryUrlOf(port: number): string {
  return `http://${LOOPBACK}:${port}`;
}

export function bootstrapOf(brokers: readonly { readonly port: number }[]): string {
  return brokers.map((b) => `${LOOPBACK}:${b.port}`).join(',');
}

/** The state of an earlier run in `dir`, or null when there is none (or it is unreadable). */
export async function readState(dir: string): Promise<DevClusterState | null> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as DevClusterState;
  } catch {
    return null;
  }
}

/** Written whole then renamed, so a reader never sees half a file. */
export async function writeState(dir: string, state: DevClusterState): Promise<void> {
  const file = join(dir, STATE_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

export interface BrokerPropertiesInput {
  readonly id: number;
  readonly port: number;
  readonly logDir: string;
  readonly zookeeperConnect: string;
  /** The port of the broker's metrics listener (metrics.listener on loopback); none when not given. */
  readonly metricsPort?: number;
  /** The cluster's size: __consumer_offsets gets min(3, brokers) replicas, so one or two brokers work too. */
  readonly brokers: number;
  /** Anything else, as Kafka config keys; wins over the defaults above. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** A Kafka server.properties for one broker of a loopback cluster. */
export function brokerProperties(input: BrokerPropertiesInput): string {
  const replicas = String(Math.min(3, input.brokers));
  const properties: Record<string, string> = {
    'broker.id': String(input.id),
    listeners: `PLAINTEXT://${LOOPBACK}:${input.port}`,
    'log.dirs': input.logDir,
    'zookeeper.connect': input.zookeeperConnect,
    'offsets.topic.replication.factor': replicas,
    ...(input.metricsPort === undefined ? {} : { 'metrics.listener': metricsUrlOf(input.metricsPort) }),
    ...input.overrides,
  };
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${escapeValue(value)}`);
  return `# Written by samsa dev-cluster: broker ${input.id} of ${input.brokers}.\n${lines.join('\n')}\n`;
}

/** java.util.Properties escapes for a value: backslashes, and a leading space kept. */
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/^ /, '\\ ').replace(/\n/g, '\\n');
}
