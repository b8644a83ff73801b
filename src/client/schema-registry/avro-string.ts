/**
 * Avro strings out of a record's bytes, as fast as V8 makes them. Buffer's utf8Slice is a call into
 * C++ that costs about 95 ns whatever the length (2-core EPYC, Node 24); a record's strings are
 * mostly short and ASCII (ids, codes, names), and one String.fromCharCode call with the bytes as
 * arguments makes them in 18 ns (up to 8 bytes) to 72 ns (25 to 32); from about 36 bytes on
 * utf8Slice is as fast, hence the limit. Anything longer, or with a byte of 0x80 or more, goes to
 * utf8Slice, which decodes UTF-8 exactly as avsc's reader does (malformed sequences become U+FFFD).
 */

/** Strings up to this many bytes are made by one String.fromCharCode call when all ASCII. */
export const SHORT_STRING_BYTES = 32;

type CharCodes = (bytes: Uint8Array, start: number, length: number) => string | undefined;

/**
 * `case 3: { const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2]; if ((c0 | c1 | c2) < 128) return
 * String.fromCharCode(c0, c1, c2); break; }`: each byte loaded once, the ASCII check and one call
 * with the bytes as arguments, which V8 handles in its builtin without a per-character step.
 * Undefined when a byte is not ASCII. Generated once, as the cases differ only in their length.
 */
const asciiString = new Function('bytes', 'start', 'length', [
  'const f = String.fromCharCode;',
  'switch (length) {',
  "  case 0: return '';",
  ...Array.from({ length: SHORT_STRING_BYTES }, (_, i) => {
    const codes = Array.from({ length: i + 1 }, (_, j) => `c${j}`);
    const loads = codes.map((code, j) => `${code} = bytes[start + ${j}]`).join(', ');
    return `  case ${i + 1}: { const ${loads}; if ((${codes.join(' | ')}) < 128) return f(${codes.join(', ')}); return undefined; }`;
  }),
  '}',
  'return undefined;',
].join('\n')) as CharCodes;

interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/** The string in `bytes[start, start + length)`; the caller has checked that the range is inside `bytes`. */
export function decodeAvroString(bytes: Buffer, start: number, length: number): string {
  if (length <= SHORT_STRING_BYTES) {
    const ascii = asciiString(bytes, start, length);
    if (ascii !== undefined) return ascii;
  }
  return (bytes as unknown as Utf8Slicer).utf8Slice(start, start + length);
}
