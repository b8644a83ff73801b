import { Consumer } from '../client/index.ts';
import { fixed, javaDateFormatter, metricsBlock, Progress } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { consumerOptions, warnUnknownProperties } from './client-properties.ts';
import { bootstrapServers, clientProperties, flag, intOption, listOption, parseOptions, requireOption, stringOption } from './cli-options.ts';

export const consumerPerfTestUsage = `Usage: samsa consumer-perf-test --bootstrap-server <host:port> --topic <t> --messages <n> [options]   (kafka-consumer-perf-test)

Consumes --messages records and prints Kafka's summary line (MB and records per second).
  --group <id>                    consume as this group (default: all partitions assigned, no group)
  --from-latest                   start at the end instead of the beginning
  --timeout <ms>                  give up when no record arrives for this long (default 10000)
  --fetch-size <bytes>            max.partition.fetch.bytes
  --show-detailed-stats           print a line every --reporting-interval ms (default 5000)
  --hide-header                   leave out the header line
  --consumer.config <file>        consumer properties file; --consumer-property <k=v> (repeatable)
  --date-format <pattern>         java.text.SimpleDateFormat pattern of the times (default yyyy-MM-dd HH:mm:ss:SSS)
  --print-metrics                 print the consumer metrics the tool measures at the end (Kafka's block;
                                  records and bytes consumed, not the Java client's full set)
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'broker-list': { type: 'string' }, topic: { type: 'string' }, messages: { type: 'string' },
  group: { type: 'string' }, 'from-latest': { type: 'boolean' }, timeout: { type: 'string' }, 'fetch-size': { type: 'string' },
  'show-detailed-stats': { type: 'boolean' }, 'reporting-interval': { type: 'string' }, 'hide-header': { type: 'boolean' },
  'consumer.config': { type: 'string' }, 'consumer-property': { type: 'string', multiple: true }, 'date-format': { type: 'string' },
  'num-fetch-threads': { type: 'string' }, threads: { type: 'string' }, 'print-metrics': { type: 'boolean' },
} as const;

const MB = 1024 * 1024;

export async function runConsumerPerfTestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consumerPerfTestUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const topic = requireOption(values, 'topic');
  const messages = intOption(values, 'messages', { min: 1 });
  if (messages === undefined) throw new UsageError('missing required option --messages');
  const timeoutMs = intOption(values, 'timeout', { min: 1 }) ?? 10_000;
  const reportingIntervalMs = intOption(values, 'reporting-interval', { min: 1 }) ?? 5_000;
  const detailed = flag(values, 'show-detailed-stats');
  const group = stringOption(values, 'group');
  const formatPerfDate = javaDateFormatter(stringOption(values, 'date-format') ?? 'yyyy-MM-dd HH:mm:ss:SSS');

  const props = await clientProperties(stringOption(values, 'consumer.config'), listOption(values, 'consumer-property'), '--consumer-property');
  if (group !== undefined) props.set('group.id', group);
  props.set('auto.offset.reset', flag(values, 'from-latest') ? 'latest' : 'earliest');
  const fetchSize = intOption(values, 'fetch-size', { min: 1 });
  if (fetchSize !== undefined) props.set('max.partition.fetch.bytes', String(fetchSize));
  const { options, unknown } = consumerOptions({ bootstrapServers: servers, clientId: 'perf-consumer-client' }, props);
  warnUnknownProperties(io, 'consumer-perf-test', unknown);

  const header = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
  const consumer = new Consumer(options);
  const startMs = Date.now();
  let assignedMs = startMs;
  let count = 0;
  let bytes = 0;
  let lastRecordMs = Date.now();
  let timedOut = false;
  const progress = new Progress(io);
  try {
    if (group !== undefined) {
      let assigned!: () => void;
      const firstAssignment = new Promise<void>((resolve) => { assigned = resolve; });
      consumer.subscribe([topic], { onPartitionsAssigned: () => { assignedMs = Date.now(); assigned(); } });
      void firstAssignment;
    } else {
      // Kafka's tool joins a throwaway group; assigning every partition measures the same reads
      // without a rebalance (rebalance.time.ms is then 0).
      const meta = await consumer.cluster.topic(topic);
      consumer.assign(meta.partitions.map((p) => ({ topic, partition: p.partition })));
      assignedMs = Date.now();
    }
    if (detailed && !flag(values, 'hide-header')) io.stdout('time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n');
    let lastReportMs = Date.now();
    let lastReportCount = 0;
    let lastReportBytes = 0;
    while (count < messages) {
      const records = await consumer.poll(Math.min(1000, timeoutMs));
      const now = Date.now();
      if (records.length === 0) {
        if (now - lastRecordMs >= timeoutMs) {
          timedOut = true;
          break;
        }
        continue;
      }
      lastRecordMs = now;
      progress.update(`${count} of ${messages} records`);
      for (const r of records) {
        if (count >= messages) break;
        count++;
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      }
      if (detailed && now - lastReportMs >= reportingIntervalMs) {
        const elapsed = (now - lastReportMs) / 1000;
        const mb = (bytes - lastReportBytes) / MB;
        io.stdout(`${formatPerfDate(now)}, 0, ${fixed(bytes / MB, 4)}, ${fixed(mb / elapsed, 4)}, ${count}, ${fixed((count - lastReportCount) / elapsed, 4)}, 0, ${now - lastReportMs}, ${fixed(mb / elapsed, 4)}, ${fixed((count - lastReportCount) / elapsed, 4)}\n`);
        lastReportMs = now;
        lastReportCount = count;
        lastReportBytes = bytes;
      }
    }
  } finally {
    await consumer.close();
  }
  progress.done();
  const endMs = Date.now();
  if (timedOut) {
    io.stderr(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
  }
  const elapsedSec = Math.max(1, endMs - startMs) / 1000;
  const rebalanceMs = assignedMs - startMs;
  const fetchMs = Math.max(1, endMs - assignedMs);
  const mb = bytes / MB;
  if (!detailed) {
    if (!flag(values, 'hide-header')) io.stdout(header + '\n');
    io.stdout(`${formatPerfDate(startMs)}, ${formatPerfDate(endMs)}, ${fixed(mb, 4)}, ${fixed(mb / elapsedSec, 4)}, ${count}, ${fixed(count / elapsedSec, 4)}, ` +
      `${rebalanceMs}, ${fetchMs}, ${fixed(mb / (fetchMs / 1000), 4)}, ${fixed(count / (fetchMs / 1000), 4)}\n`);
  }
  if (flag(values, 'print-metrics')) {
    // Counted by the tool: bytes are the records' keys and values, as the summary's MB are.
    const tags = { 'client-id': options.clientId ?? 'perf-consumer-client' };
    io.stdout(metricsBlock([
      { group: 'consumer-fetch-manager-metrics', name: 'records-consumed-total', tags, value: count },
      { group: 'consumer-fetch-manager-metrics', name: 'records-consumed-rate', tags, value: count / (fetchMs / 1000) },
      { group: 'consumer-fetch-manager-metrics', name: 'bytes-consumed-total', tags, value: bytes },
      { group: 'consumer-fetch-manager-metrics', name: 'bytes-consumed-rate', tags, value: bytes / (fetchMs / 1000) },
    ]));
  }
  return timedOut ? EXIT_FAILURE : EXIT_OK;
}
