/**
 * A record's key or value bytes shown as text, JSON or hex. 'auto' picks JSON when the bytes parse
 * as JSON, text when they are valid UTF-8, hex otherwise: what a person would pick by looking.
 */
export type ValueFormat = 'auto' | 'text' | 'json' | 'hex';
export type ShownFormat = Exclude<ValueFormat, 'auto'>;

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function json(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

export function detectFormat(bytes: Uint8Array): ShownFormat {
  const text = utf8(bytes);
  if (json(text) !== undefined) return 'json';
  return text !== undefined ? 'text' : 'hex';
}

/** 16 bytes a line: offset, hex, and the printable ASCII beside it. */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, maxBytes);
  for (let offset = 0; offset < end; offset += 16) {
    const chunk = bytes.subarray(offset, Math.min(offset + 16, end));
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes`);
  return lines.join('\n');
}

export function formatValue(bytes: Uint8Array, format: ValueFormat): { shown: ShownFormat; text: string } {
  const shown = format === 'auto' ? detectFormat(bytes) : format;
  switch (shown) {
    case 'hex':
      return { shown, text: hexDump(bytes) };
    case 'json': {
      const parsed = json(utf8(bytes));
      return parsed === undefined ? { shown, text: '(not JSON)' } : { shown, text: JSON.stringify(parsed, null, 2) };
    }
    case 'text':
      return { shown, text: new TextDecoder().decode(bytes) };
  }
}

/** One line for a table cell: text as is, other bytes as hex, cut to `max` characters. */
export function preview(bytes: Uint8Array | null, max = 200): string {
  if (bytes === null) return 'null';
  const text = utf8(bytes.subarray(0, max * 4));
  const line = text !== undefined ? text.replace(/\s+/g, ' ') : [...bytes.subarray(0, max / 2)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The bytes behind the server's rendering (text and JSON were UTF-8; hex is the bytes). */
export function renderedToBytes(rendered: { readonly encoding: 'text' | 'json' | 'hex'; readonly data: string } | null): Uint8Array | null {
  if (rendered === null) return null;
  if (rendered.encoding !== 'hex') return new TextEncoder().encode(rendered.data);
  const bytes = new Uint8Array(rendered.data.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(rendered.data.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
