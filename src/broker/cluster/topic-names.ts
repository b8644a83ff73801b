import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/** Kafka's limit: a partition directory `<topic>-<partition>` must fit in a 255-byte file name. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Throws INVALID_TOPIC_EXCEPTION for a name Kafka would refuse, saying why. */
export function validateTopicName(name: string): void {
  const refuse = (why: string) => {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name "${name}" is illegal, ${why}`);
  };
  if (name.length === 0) refuse('it is empty');
  if (name === '.' || name === '..') refuse('it cannot be "." or ".."');
  if (name.length > MAX_TOPIC_NAME_LENGTH) refuse(`it is longer than ${MAX_TOPIC_NAME_LENGTH} characters`);
  if (!LEGAL_TOPIC_NAME.test(name)) refuse('it contains a character other than ASCII alphanumerics, ".", "_" and "-"');
}

export function validTopicName(name: string): boolean {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kafka's metric names replace "." with "_", so two topics that differ only there would collide;
 * Kafka refuses the second one.
 */
export function collidingTopicName(name: string, existing: Iterable<string>): string | undefined {
  const unified = name.replaceAll('.', '_');
  for (const other of existing) if (other !== name && other.replaceAll('.', '_') === unified) return other;
  return undefined;
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
