import { ErrorCode, KafkaError } from '../../errors.ts';

/** Wraps a codec's own failure (bad input, output cap hit) as the decode error of record batches. */
export function corrupt(codec: string, error: unknown): KafkaError {
  if (error instanceof KafkaError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `invalid ${codec} data: ${reason}`, { cause: error });
}

export function tooLarge(codec: string, maxBytes: number): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${codec} data decompresses to more than ${maxBytes} bytes`);
}
