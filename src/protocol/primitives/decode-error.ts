/**
 * The only error a decoder throws. Anything else escaping a decoder is a bug: the broker turns a
 * DecodeError into a closed connection (broken framing) or an error code, never a crash.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}
