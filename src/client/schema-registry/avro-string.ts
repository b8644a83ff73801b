/**
 * Avro strings out of a record's bytes, as fast as V8 makes them. Buffer's utf8Slice is a call into
 * C++ that costs about 90 ns whatever the length; a record's strings are mostly short and ASCII
 * (ids, codes, names), and one String.fromCharCode call with the bytes as arguments makes those in
 * about 25 ns in optimized code. Anything longer, or with a byte of 0x80 or more, goes to utf8Slice,
 * which decodes UTF-8 exactly as avsc's reader does (malformed sequences become U+FFFD).
 */

/** Strings up to this many bytes are made by one String.fromCharCode call when all ASCII. */
export const SHORT_STRING_BYTES = 24;

type CharCodes = (bytes: Uint8Array, start: number, length: number) => string;

/**
 * `switch (length) { case 3: return String.fromCharCode(b[s], b[s + 1], b[s + 2]); ... }`: one
 * call with the bytes as arguments, which V8 handles in its builtin without a per-character step.
 * Generated once, as the cases differ only in their argument count.
 */
const fromCharCodes = new Function('bytes', 'start', 'length', [
  'const f = String.fromCharCode;',
  'switch (length) {',
  "  case 0: return '';",
  ...Array.from({ length: SHORT_STRING_BYTES }, (_, i) =>
    `  case ${i + 1}: return f(${Array.from({ length: i + 1 }, (_, j) => `bytes[start + ${j}]`).join(', ')});`),
  '}',
  "throw new RangeError('short string of ' + length + ' bytes');",
].join('\n')) as CharCodes;

interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/** The string in `bytes[start, start + length)`; the caller has checked that the range is inside `bytes`. */
export function decodeAvroString(bytes: Buffer, start: number, length: number): string {
  if (length <= SHORT_STRING_BYTES) {
    let bits = 0;
    for (let i = start, end = start + length; i < end; i++) bits |= bytes[i]!;
    if (bits < 0x80) return fromCharCodes(bytes, start, length);
  }
  return (bytes as unknown as Utf8Slicer).utf8Slice(start, start + length);
}
