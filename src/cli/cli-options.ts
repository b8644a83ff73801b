import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Admin } from '../client/index.ts';
import { parseProperties, PropertiesSyntaxError } from '../protocol/java-properties.ts';
import { UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { adminOptions, warnUnknownProperties } from './client-properties.ts';

/**
 * Option specs as node:util parseArgs takes them (Kafka's tools use long options with values),
 * plus `optionalValue`: a string option whose value may be left out, as joptsimple's
 * withOptionalArg (kafka-consumer-groups --list --state [states]); it is then ''.
 */
export type OptionSpecs = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; optionalValue?: boolean }>;

export interface ParsedOptions {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** parseArgs with every failure turned into a UsageError; --help is always accepted. */
export function parseOptions(args: readonly string[], options: OptionSpecs, { allowPositionals = false } = {}): ParsedOptions {
  // Kafka's tools take negative numbers as values (--time -1, --shift-by -2); parseArgs would
  // read them as options, so they are glued to their option first.
  const glued: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const spec = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      glued.push(`${arg}=${next}`);
      i++;
    } else if (spec?.optionalValue === true && (next === undefined || next.startsWith('-'))) {
      glued.push(`${arg}=`);
    } else {
      glued.push(arg);
    }
  }
  try {
    const parsed = parseArgs({
      args: glued, strict: true, allowPositionals,
      options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(Object.entries(options).map(([name, { optionalValue, ...spec }]) => [name, spec])) },
    });
    return { values: parsed.values as ParsedOptions['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
}

export function stringOption(values: ParsedOptions['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: ParsedOptions['values'], name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

export function flag(values: ParsedOptions['values'], name: string): boolean {
  return values[name] === true;
}

export function requireOption(values: ParsedOptions['values'], name: string, why = ''): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UsageError(`missing required option --${name}${why ? ` ${why}` : ''}`);
  return value;
}

/** --bootstrap-server host:port[,host:port]; the older tools' --broker-list is accepted too. */
export function bootstrapServers(values: ParsedOptions['values']): string[] {
  const value = stringOption(values, 'bootstrap-server') ?? stringOption(values, 'broker-list');
  if (value === undefined || value === '') throw new UsageError('missing required option --bootstrap-server');
  const servers = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const server of servers) {
    if (!/^.+:\d+$/.test(server)) throw new UsageError(`--bootstrap-server entries are host:port, not '${server}'`);
  }
  return servers;
}

/** What every admin tool takes: the brokers, client properties from a file (as Kafka's), --json. */
export const BOOTSTRAP_OPTIONS: OptionSpecs = {
  'bootstrap-server': { type: 'string' },
  'command-config': { type: 'string' },
  json: { type: 'boolean' },
};

/** The newer option name or the older one it replaces (Kafka 4.2's renames), but not both. */
export function renamedOption(values: ParsedOptions['values'], current: string, old: string): string {
  if (values[current] !== undefined && values[old] !== undefined) throw new UsageError(`--${old} and --${current} cannot be used together`);
  return values[current] !== undefined ? current : old;
}

/** An integer option (or undefined when absent); `what` names it in the error. */
export function intOption(values: ParsedOptions['values'], name: string, { min = -Infinity } = {}): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, not '${text}'`);
  }
  return value;
}

/** `key=value` pairs (repeatable flags, or one flag with a comma list when `commaSeparated`). */
export function parseKeyValues(entries: readonly string[], what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} entries are key=value, not '${entry}'`);
    out.set(entry.slice(0, eq).trim(), entry.slice(eq + 1));
  }
  return out;
}

/**
 * Client properties from a file option (e.g. --producer.config), read as Kafka's tools read it
 * (java.util.Properties: escapes, continuations; values keep trailing whitespace, as Java's do),
 * plus key=value flags; flags win.
 */
export async function clientProperties(file: string | undefined, entries: readonly string[], what: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    let fromFile: Map<string, string>;
    try {
      fromFile = parseProperties(text);
    } catch (error) {
      if (error instanceof PropertiesSyntaxError) throw new UsageError(`${file}: ${error.message}`);
      throw error;
    }
    for (const [k, v] of fromFile) out.set(k, v);
  }
  for (const [k, v] of parseKeyValues(entries, what)) out.set(k, v);
  return out;
}

/** Kafka's partition lists: "0,1,2" and ranges "0-3". */
export function parsePartitionList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range !== null) {
      for (let p = Number(range[1]); p <= Number(range[2]); p++) out.push(p);
    } else if (/^\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      throw new UsageError(`bad partition list '${text}'`);
    }
  }
  return out;
}

/**
 * Runs `body` with an Admin client on --bootstrap-server, configured by --command-config's
 * client properties (--bootstrap-server wins over a bootstrap.servers there, as in Kafka), and
 * closes it afterwards.
 */
export async function withAdmin<T>(values: ParsedOptions['values'], tool: string, io: CliIo, body: (admin: Admin) => Promise<T>): Promise<T> {
  const servers = bootstrapServers(values);
  const props = await clientProperties(stringOption(values, 'command-config'), [], '--command-config');
  const { options, unknown } = adminOptions({ bootstrapServers: servers, clientId: `samsa-${tool}` }, props);
  warnUnknownProperties(io, tool, unknown);
  const admin = new Admin({ ...options, bootstrapServers: servers });
  try {
    return await body(admin);
  } finally {
    await admin.close();
  }
}

