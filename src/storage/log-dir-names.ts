/**
 * The names of the directories a log dir holds, Kafka's layout:
 * - `<topic>-<partition>`: a partition's current log (topic names may contain '-', so the
 *   partition is what follows the last one);
 * - `<topic>-<partition>.<uuid>-future`: a future log, filled from the current log of the same
 *   partition in another log dir while AlterReplicaLogDirs moves it (KIP-113);
 * - `<topic>-<partition>.<uuid>-delete`: a log renamed out of the way, removed in the background.
 *
 * Samsa gives the current log that a future replaces the future's uuid when it renames it for
 * delete: at start, a future whose `-delete` twin exists was complete when a crash cut its swap
 * short, so it becomes the current log; any other future is resumed or dropped.
 */
export const DELETE_SUFFIX = '-delete';
export const FUTURE_SUFFIX = '-future';

export function logDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>.<uuid><suffix>`, the uuid without dashes. */
export function suffixedLogDirName(topic: string, partition: number, uuid: string, suffix: typeof DELETE_SUFFIX | typeof FUTURE_SUFFIX): string {
  return `${logDirName(topic, partition)}.${uuid.replaceAll('-', '')}${suffix}`;
}

/** `<topic>-<partition>`, split at the last '-'; undefined for names that are not partition dirs. */
export function parseTopicPartition(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  return { topic: name.slice(0, dash), partition: Number(digits) };
}

/** The partition and uuid of a `-future` or `-delete` directory name; undefined for other names. */
export function parseSuffixedLogDirName(name: string, suffix: typeof DELETE_SUFFIX | typeof FUTURE_SUFFIX): { topic: string; partition: number; uuid: string } | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const uuid = name.slice(dot + 1, name.length - suffix.length);
  if (!/^[0-9a-f]+$/i.test(uuid)) return undefined;
  const parsed = parseTopicPartition(name.slice(0, dot));
  return parsed === undefined ? undefined : { ...parsed, uuid };
}

/** Kafka's marker of a clean shutdown: its presence lets the next start skip log recovery. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
