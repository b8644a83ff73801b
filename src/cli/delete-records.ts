import { readFile } from 'node:fs/promises';
import { KafkaClientError } from '../client/index.ts';
import { printJson } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { BOOTSTRAP_OPTIONS, flag, parseOptions, requireOption, withAdmin } from './cli-options.ts';

export const deleteRecordsUsage = `Usage: samsa delete-records --bootstrap-server <host:port> --offset-json-file <file>   (kafka-delete-records)

Deletes every record below the given offset of each partition (-1: up to the high watermark).
The file is {"partitions": [{"topic": "t", "partition": 0, "offset": 10}], "version": 1}.
  --json                          machine-readable output: each partition's lowWatermark or error
  --command-config <file>         admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = { ...BOOTSTRAP_OPTIONS, 'offset-json-file': { type: 'string' } } as const;

interface DeleteRequest { topic: string; partition: number; offset: number }

export function parseOffsetJson(text: string): DeleteRequest[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the offset JSON file is not JSON: ${(error as Error).message}`);
  }
  const partitions = (document as { partitions?: unknown })?.partitions;
  if (!Array.isArray(partitions)) throw new UsageError('the offset JSON file needs a "partitions" array');
  const seen = new Set<string>();
  return partitions.map((p: unknown, i) => {
    const { topic, partition, offset } = (p ?? {}) as Record<string, unknown>;
    if (typeof topic !== 'string' || topic === '' || !Number.isInteger(partition) || (partition as number) < 0 || !Number.isInteger(offset) || (offset as number) < -1) {
      throw new UsageError(`partitions[${i}] needs "topic" (string), "partition" (>= 0) and "offset" (>= -1)`);
    }
    const key = `${topic}-${partition}`;
    if (seen.has(key)) throw new UsageError(`offset json file contains duplicate topic partitions: ${key}`);
    seen.add(key);
    return { topic, partition: partition as number, offset: offset as number };
  });
}

export async function runDeleteRecordsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(deleteRecordsUsage);
    return EXIT_OK;
  }
  const file = requireOption(values, 'offset-json-file');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const requests = parseOffsetJson(text);
  return withAdmin(values, 'delete-records', io, async (admin) => {
    const json = flag(values, 'json');
    if (!json) io.stdout('Executing records delete operation\n');
    // One request per partition, so one partition's error does not hide the others' results.
    const results = await Promise.all(requests.map(async (r): Promise<{ topic: string; partition: number; lowWatermark?: number; error?: string }> => {
      try {
        const [result] = await admin.deleteRecords([r]);
        return { topic: r.topic, partition: r.partition, lowWatermark: result!.lowWatermark };
      } catch (error) {
        if (!(error instanceof KafkaClientError)) throw error;
        return { topic: r.topic, partition: r.partition, error: error.message };
      }
    }));
    if (json) printJson(io, results);
    else {
      io.stdout(`Records delete operation completed:\n${results.map((r) => `partition: ${r.topic}-${r.partition}\t` +
        `${r.error === undefined ? `low_watermark: ${r.lowWatermark}` : `error: ${r.error}`}\n`).join('')}`);
    }
    return results.some((r) => r.error !== undefined) ? EXIT_FAILURE : EXIT_OK;
  });
}
