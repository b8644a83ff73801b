import type { ConsumerRecord } from '../../client/index.ts';
import type { ByteEncoding, ByteFormat, InputEncoding, Message, RenderedBytes } from '../api-types.ts';
import { badRequest } from './http-errors.ts';
import type { DecodeScope } from './schema-decoder.ts';
import type { QueryParams } from './validate.ts';

/** How a browse or tail shows and filters records: from the query both take. */
export interface MessageView {
  readonly keyFormat: ByteFormat;
  readonly valueFormat: ByteFormat;
  readonly maxBytes: number;
  readonly key: string | undefined;
  readonly value: string | undefined;
  readonly header: { readonly name: string | null; readonly text: string } | undefined;
}

const FORMATS: readonly ByteFormat[] = ['auto', 'text', 'json', 'hex'];

export function messageView(query: QueryParams): MessageView {
  const header = query.string('header');
  const eq = header?.indexOf('=') ?? -1;
  return {
    keyFormat: query.oneOf('keyFormat', FORMATS) ?? 'auto',
    valueFormat: query.oneOf('valueFormat', FORMATS) ?? 'auto',
    maxBytes: query.int('maxBytes', { min: 1, max: 1_048_576 }) ?? 65_536,
    key: nonEmpty(query.string('key')),
    value: nonEmpty(query.string('value')),
    header: header === undefined || header === '' ? undefined : eq > 0 ? { name: header.slice(0, eq), text: header.slice(eq + 1) } : { name: null, text: header },
  };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === '' ? undefined : text;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Text a person can read: no control characters but tab and line breaks. */
function readable(text: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

function isJson(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bytes as text, JSON or hex. `auto` picks JSON when the bytes are a JSON document, text when they
 * are readable UTF-8, else hex; `json` falls back as auto does for bytes that are not JSON; `text`
 * always decodes (invalid UTF-8 shows as U+FFFD). Only the first maxBytes bytes are rendered.
 */
export function renderBytes(bytes: Buffer, format: ByteFormat, maxBytes: number): RenderedBytes {
  const truncated = bytes.length > maxBytes;
  const shown = truncated ? bytes.subarray(0, maxBytes) : bytes;
  const out = (encoding: ByteEncoding, data: string): RenderedBytes => ({ encoding, data, size: bytes.length, truncated });
  if (format === 'hex') return out('hex', shown.toString('hex'));
  if (format === 'text') return out('text', shown.toString('utf8'));
  const text = utf8OrNull(bytes);
  if (text === null || !readable(text)) return out('hex', shown.toString('hex'));
  if (!truncated && isJson(text)) return out('json', text);
  return out('text', shown.toString('utf8'));
}

/** Whether a record passes the view's key, value and header filters (substrings of the UTF-8 text). */
export function matches(record: ConsumerRecord, view: MessageView): boolean {
  if (view.key !== undefined && (record.key === null || !record.key.toString('utf8').includes(view.key))) return false;
  if (view.value !== undefined && (record.value === null || !record.value.toString('utf8').includes(view.value))) return false;
  const header = view.header;
  if (header !== undefined) {
    const found = record.headers.some((h) => {
      const value = h.value?.toString('utf8') ?? '';
      return header.name !== null ? h.key === header.name && value.includes(header.text) : h.key.includes(header.text) || value.includes(header.text);
    });
    if (!found) return false;
  }
  return true;
}

export function messageOf(record: ConsumerRecord, view: MessageView): Message {
  let sizeBytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const h of record.headers) sizeBytes += Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return {
    partition: record.partition, offset: record.offset, timestamp: record.timestamp, timestampType: record.timestampType,
    key: record.key === null ? null : renderBytes(record.key, view.keyFormat, view.maxBytes),
    value: record.value === null ? null : renderBytes(record.value, view.valueFormat, view.maxBytes),
    headers: record.headers.map((h) => ({ key: h.key, value: h.value === null ? null : renderBytes(h.value, 'auto', view.maxBytes) })),
    sizeBytes,
  };
}

/**
 * messageOf, with a key or value in Confluent's wire format decoded by the registry when the view
 * shows it as auto or json (text and hex show the bytes as they are, as asked).
 */
export async function decodedMessageOf(record: ConsumerRecord, view: MessageView, scope: DecodeScope | null): Promise<Message> {
  const message = messageOf(record, view);
  if (scope === null) return message;
  const decodes = (format: ByteFormat): boolean => format === 'auto' || format === 'json';
  return {
    ...message,
    key: decodes(view.keyFormat) ? await scope.render(record.key, message.key) : message.key,
    value: decodes(view.valueFormat) ? await scope.render(record.value, message.value) : message.value,
  };
}

/** A produced key, value or header value from its given encoding; `where` names the field in a 400. */
export function decodeInput(text: string, encoding: InputEncoding, where: string): Buffer {
  switch (encoding) {
    case 'text': return Buffer.from(text, 'utf8');
    case 'json':
      if (!isJson(text)) throw badRequest(`${where} is not valid JSON (its encoding is json)`);
      return Buffer.from(text, 'utf8');
    case 'hex':
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw badRequest(`${where} is not hex (pairs of 0-9, a-f)`);
      return Buffer.from(text, 'hex');
    case 'base64':
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw badRequest(`${where} is not base64`);
      return Buffer.from(text, 'base64');
  }
}
