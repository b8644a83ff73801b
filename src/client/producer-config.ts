/**
 * The producer settings that decide idempotence, resolved as Java's ProducerConfig does
 * (postProcessAndValidateIdempotenceConfigs): enable.idempotence is on by default, and a default
 * that the other settings contradict (acks other than all, retries 0, more than five requests in
 * flight) turns it off silently; the same contradiction with enable.idempotence set to true, or a
 * transactional.id without idempotence, is a configuration error.
 */

export type Acks = 0 | 1 | -1 | 'all';

/** Five batches per partition at most: the broker remembers the last five of each producer to find duplicates. */
export const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

export interface IdempotenceSettings {
  readonly acks?: Acks;
  readonly retries?: number;
  readonly maxInFlightRequestsPerConnection?: number;
  readonly enableIdempotence?: boolean;
  readonly transactionalId?: string;
  readonly transactionTimeoutMs?: number;
}

export interface ResolvedIdempotence {
  /** -1 for all. */
  readonly acks: 0 | 1 | -1;
  readonly idempotent: boolean;
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
}

/** A setting the producer refuses at construction, as Java's ConfigException. */
export class ProducerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerConfigError';
  }
}

export function resolveIdempotence(options: IdempotenceSettings): ResolvedIdempotence {
  const acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new ProducerConfigError(`acks must be 0, 1, -1 or 'all', not ${String(options.acks)}`);
  const explicit = options.enableIdempotence !== undefined;
  let idempotent = options.enableIdempotence ?? true;
  if (idempotent) {
    const conflicts: string[] = [];
    if (options.retries === 0) conflicts.push('Must set retries to non-zero when using the idempotent producer.');
    if (acks !== -1) conflicts.push('Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.');
    if ((options.maxInFlightRequestsPerConnection ?? MAX_IN_FLIGHT_FOR_IDEMPOTENCE) > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      conflicts.push(`Must set max.in.flight.requests.per.connection to at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} to use the idempotent producer.`);
    }
    if (conflicts.length > 0) {
      if (explicit) throw new ProducerConfigError(conflicts[0]!);
      idempotent = false;
    }
  }
  const transactionalId = options.transactionalId ?? null;
  if (transactionalId !== null) {
    if (!idempotent) throw new ProducerConfigError('Cannot set a transactional.id without also enabling idempotence.');
    if (transactionalId === '') throw new ProducerConfigError('transactional.id must not be empty');
  }
  const transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
  if (!Number.isInteger(transactionTimeoutMs) || transactionTimeoutMs <= 0) {
    throw new ProducerConfigError(`transaction.timeout.ms must be a positive integer, not ${transactionTimeoutMs}`);
  }
  return { acks, idempotent, transactionalId, transactionTimeoutMs };
}
