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
 * Kafka refuses the second one. As Kafka's topicsWithCollisionChars, the names that hold a "." or
 * "_" are kept by their unified form, so a new name's collision is one lookup, not a scan of every
 * topic: a name with neither can only unify to itself. Adding and removing are idempotent.
 */
export class TopicCollisions {
  readonly #byUnified = new Map<string, Set<string>>();

  add(name: string): void {
    if (!hasCollisionChars(name)) return;
    const unified = unify(name);
    let names = this.#byUnified.get(unified);
    if (names === undefined) this.#byUnified.set(unified, names = new Set());
    names.add(name);
  }

  remove(name: string): void {
    if (!hasCollisionChars(name)) return;
    const unified = unify(name);
    const names = this.#byUnified.get(unified);
    if (names?.delete(name) === true && names.size === 0) this.#byUnified.delete(unified);
  }

  /** An existing topic other than `name` that collides with it, if any. */
  colliding(name: string): string | undefined {
    if (!hasCollisionChars(name)) return undefined;
    for (const other of this.#byUnified.get(unify(name)) ?? []) if (other !== name) return other;
    return undefined;
  }
}

function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_');
}

function unify(name: string): string {
  return name.replaceAll('.', '_');
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
