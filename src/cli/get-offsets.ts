import { printJson } from './cli-format.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { BOOTSTRAP_OPTIONS, flag, parsePartitionList, parseOptions, stringOption, withAdmin } from './cli-options.ts';

export const getOffsetsUsage = `Usage: samsa get-offsets --bootstrap-server <host:port> [options]   (kafka-get-offsets)

Prints topic:partition:offset for each partition that has an offset at the time asked for (--json: every
partition, offset null where there is none).
  --topic <regex>                 topics to query (all when absent)
  --partitions <list>             partition ids, e.g. 0,1,4-6 (all when absent)
  --topic-partitions <list>       topic:partitions pairs, e.g. "orders:0-2,payments" (instead of --topic/--partitions)
  --time <t>                      -1 or latest (default), -2 or earliest, -3 or max-timestamp, -4 or earliest-local,
                                  -5 or latest-tiered, or a timestamp in ms: the first offset whose timestamp is at
                                  least it (without tiered storage earliest-local is earliest and latest-tiered none)
  --exclude-internal-topics       leave out internal topics
  --json                          machine-readable output
  --command-config <file>         admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  ...BOOTSTRAP_OPTIONS, 'broker-list': { type: 'string' }, topic: { type: 'string' }, partitions: { type: 'string' },
  'topic-partitions': { type: 'string' }, time: { type: 'string' }, 'exclude-internal-topics': { type: 'boolean' },
} as const;

export function parseTime(text: string | undefined): number {
  if (text === undefined) return -1;
  const named: Record<string, number> = { latest: -1, earliest: -2, 'max-timestamp': -3, 'earliest-local': -4, 'latest-tiered': -5 };
  const value = named[text.toLowerCase()] ?? Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < -5) {
    throw new UsageError(`--time must be -1 or latest, -2 or earliest, -3 or max-timestamp, -4 or earliest-local, -5 or latest-tiered, or a timestamp, not '${text}'`);
  }
  return value;
}

interface Selector { readonly topic: RegExp | null; readonly partitions: number[] | null }

function selectors(values: ReturnType<typeof parseOptions>['values']): Selector[] {
  const regex = (text: string) => {
    try {
      return new RegExp(`^(?:${text})$`);
    } catch {
      throw new UsageError(`bad topic regular expression '${text}'`);
    }
  };
  const topicPartitions = stringOption(values, 'topic-partitions');
  if (topicPartitions !== undefined) {
    if (values.topic !== undefined || values.partitions !== undefined) throw new UsageError('--topic-partitions cannot be used with --topic or --partitions');
    // Each entry is topic[:partitions]; partitions are digits, commas and ranges, so split on the topics.
    return topicPartitions.split(/,(?=[^,\d-][^,]*$|[^,\d-][^,]*,)/).map((entry) => {
      const colon = entry.lastIndexOf(':');
      if (colon < 0) return { topic: regex(entry), partitions: null };
      return { topic: entry.slice(0, colon) === '' ? null : regex(entry.slice(0, colon)), partitions: parsePartitionList(entry.slice(colon + 1)) };
    });
  }
  const topic = stringOption(values, 'topic');
  const partitions = stringOption(values, 'partitions');
  return [{ topic: topic === undefined ? null : regex(topic), partitions: partitions === undefined ? null : parsePartitionList(partitions) }];
}

export async function runGetOffsetsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(getOffsetsUsage);
    return EXIT_OK;
  }
  const time = parseTime(stringOption(values, 'time'));
  const wanted = selectors(values);
  return withAdmin(values, 'get-offsets', io, async (admin) => {
    const meta = await admin.cluster.fetchAllTopics();
    const picked: Array<{ topic: string; partition: number }> = [];
    for (const t of [...meta.topics.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (t.isInternal && flag(values, 'exclude-internal-topics')) continue;
      for (const p of t.partitions) {
        if (wanted.some((w) => (w.topic === null || w.topic.test(t.name)) && (w.partitions === null || w.partitions.includes(p.partition)))) {
          picked.push({ topic: t.name, partition: p.partition });
        }
      }
    }
    const explicit = wanted.some((w) => w.topic !== null);
    if (picked.length === 0 && explicit) throw new UsageError('no topic partition matches the given --topic / --partitions');
    admin.cluster.addTopics(new Set(picked.map((p) => p.topic)));
    const answers = picked.length === 0 ? [] : await admin.listOffsets(picked.map((p) => ({ ...p, spec: time === -1 ? 'latest' : time === -2 ? 'earliest' : { timestamp: time } })));
    if (flag(values, 'json')) {
      printJson(io, answers.map((a) => ({ topic: a.topic, partition: a.partition, offset: a.offset < 0 ? null : a.offset })));
    } else {
      // As Kafka's GetOffsetShell (3.5+): a partition with no offset (nothing at or after the time) is left out.
      io.stdout(answers.filter((a) => a.offset >= 0).map((a) => `${a.topic}:${a.partition}:${a.offset}\n`).join(''));
    }
    return EXIT_OK;
  });
}
