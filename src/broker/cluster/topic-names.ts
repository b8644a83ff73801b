import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/** Kafka's limit: a partition directory `<topic>-<partition>` must fit in a 255-byte file name. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Why Kafka would refuse `name` as a topic name, or null when it is legal. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (name === '.' || name === '..') return 'it cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `it is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL_TOPIC_NAME.test(name)) return 'it contains a character other than ASCII alphanumerics, ".", "_" and "-"';
  return null;
}

/** Throws INVALID_TOPIC_EXCEPTION for a name Kafka would refuse, saying why. */
export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== null) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name "${name}" is illegal, ${problem}`);
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
