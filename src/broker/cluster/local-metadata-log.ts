import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32c } from '../../protocol/records/crc32c.ts';
import { ioError } from '../../storage/errors.ts';
import { syncDirectoryAsync } from '../../storage/file-io.ts';
import type { TopicMetadata } from './metadata-store.ts';

/**
 * One change to the single node's metadata, as KRaft's metadata records: each sets one thing to
 * its whole new value (a topic, a removal, the producer id block end), so replaying a run of them
 * in order over a state that already holds them changes nothing.
 */
export type MetadataRecord =
  | { readonly type: 'Topic'; readonly topic: TopicMetadata }
  | { readonly type: 'RemoveTopic'; readonly name: string }
  /** The last producer id of the latest block handed out, as a decimal string (64-bit). */
  | { readonly type: 'ProducerIds'; readonly latestProducerIdBlockEnd: string };

/**
 * The changes made since the last snapshot of the single node's metadata: `samsa-metadata.log`,
 * beside the snapshot `samsa-metadata.json`, as KRaft keeps its metadata log beside its snapshots.
 *
 * File format: one record a line, `<crc> <json>\n`, where crc is the CRC-32C of the JSON's UTF-8
 * bytes as 8 lower-case hex digits. Records are only appended; a batch is acknowledged once it is
 * fsynced, so a record that fails its CRC or JSON can only be the torn tail of a batch never
 * acknowledged (or damage): opening the file drops it and everything after it, as Kafka's log
 * recovery truncates at the first invalid batch.
 */
export class LocalMetadataLog {
  readonly path: string;
  readonly #handle: FileHandle;
  /** Bytes of whole records; the next append goes here. */
  #size: number;
  /** A failed write may have left bytes past #size: cut them before the next one. */
  #dirty = false;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
  }

  /** Opens (creating) the log, cuts any invalid tail, and returns the valid records with what was cut. */
  static async open(path: string): Promise<{ log: LocalMetadataLog; records: MetadataRecord[]; truncatedBytes: number }> {
    let handle: FileHandle;
    let created = false;
    try {
      handle = await open(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('open', path, error);
      handle = await open(path, 'w+', 0o644).catch((cause: unknown) => { throw ioError('create', path, cause); });
      created = true;
    }
    try {
      if (created) await syncDirectoryAsync(dirname(path));
      const bytes = await handle.readFile();
      const { records, validBytes } = decodeRecords(bytes);
      if (validBytes < bytes.length) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
      return { log: new LocalMetadataLog(path, handle, validBytes), records, truncatedBytes: bytes.length - validBytes };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw ioError('recover', path, error);
    }
  }

  /** Bytes of records in the log: what a snapshot would make redundant. */
  get sizeInBytes(): number {
    return this.#size;
  }

  /** Appends the records in one write and one fsync; resolves once they are on disk. Callers serialise appends. */
  async append(records: readonly MetadataRecord[]): Promise<void> {
    if (records.length === 0) return;
    const bytes = Buffer.from(records.map(encodeRecord).join(''), 'utf8');
    try {
      if (this.#dirty) await this.#handle.truncate(this.#size);
      this.#dirty = true;
      let done = 0;
      while (done < bytes.length) done += (await this.#handle.write(bytes, done, bytes.length - done, this.#size + done)).bytesWritten;
      await this.#handle.datasync();
      this.#dirty = false;
    } catch (cause) {
      throw ioError('append to', this.path, cause);
    }
    this.#size += bytes.length;
  }

  /** Empties the log once a snapshot holds its records. */
  async clear(): Promise<void> {
    try {
      await this.#handle.truncate(0);
      await this.#handle.sync();
    } catch (cause) {
      this.#dirty = true;
      throw ioError('truncate', this.path, cause);
    }
    this.#size = 0;
    this.#dirty = false;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

export function encodeRecord(record: MetadataRecord): string {
  const json = JSON.stringify(record);
  return `${crc32c(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The records of a whole log up to the first invalid one, and the bytes they take. */
export function decodeRecords(bytes: Buffer): { records: MetadataRecord[]; validBytes: number } {
  const records: MetadataRecord[] = [];
  let position = 0;
  while (position < bytes.length) {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) break;
    const record = decodeLine(bytes.subarray(position, end));
    if (record === undefined) break;
    records.push(record);
    position = end + 1;
  }
  return { records, validBytes: position };
}

function decodeLine(line: Buffer): MetadataRecord | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const crc = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(crc)) return undefined;
  const json = line.subarray(9);
  if (crc32c(json) !== Number.parseInt(crc, 16)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  return isMetadataRecord(value) ? value : undefined;
}

function isMetadataRecord(value: unknown): value is MetadataRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  switch (record['type']) {
    case 'Topic': {
      const topic = record['topic'] as Record<string, unknown> | null;
      return typeof topic === 'object' && topic !== null && typeof topic['name'] === 'string' && typeof topic['topicId'] === 'string'
        && Number.isInteger(topic['partitionCount']) && Number.isInteger(topic['replicationFactor'])
        && typeof topic['configs'] === 'object' && topic['configs'] !== null;
    }
    case 'RemoveTopic':
      return typeof record['name'] === 'string';
    case 'ProducerIds':
      return typeof record['latestProducerIdBlockEnd'] === 'string' && /^(-1|\d{1,19})$/.test(record['latestProducerIdBlockEnd']);
    default:
      return false;
  }
}
