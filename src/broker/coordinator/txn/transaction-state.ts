/**
 * The states of a transactional id in the transaction coordinator, as Kafka's TransactionState:
 * their ids are what __transaction_state records carry (TransactionStatus), their names what
 * DescribeTransactions and ListTransactions answer and filter by.
 *
 * PrepareEpochFence and Dead are never written: PrepareEpochFence is the step of an InitProducerId
 * (or a timeout) that bumps the epoch of an open transaction on its way to PrepareAbort, and Dead
 * the step of an expiration, whose record is a tombstone.
 */
export const TransactionState = {
  EMPTY: 0,
  ONGOING: 1,
  PREPARE_COMMIT: 2,
  PREPARE_ABORT: 3,
  COMPLETE_COMMIT: 4,
  COMPLETE_ABORT: 5,
  DEAD: 6,
  PREPARE_EPOCH_FENCE: 7,
} as const;

export type TransactionStateId = (typeof TransactionState)[keyof typeof TransactionState];

const NAMES: Readonly<Record<TransactionStateId, string>> = {
  [TransactionState.EMPTY]: 'Empty',
  [TransactionState.ONGOING]: 'Ongoing',
  [TransactionState.PREPARE_COMMIT]: 'PrepareCommit',
  [TransactionState.PREPARE_ABORT]: 'PrepareAbort',
  [TransactionState.COMPLETE_COMMIT]: 'CompleteCommit',
  [TransactionState.COMPLETE_ABORT]: 'CompleteAbort',
  [TransactionState.DEAD]: 'Dead',
  [TransactionState.PREPARE_EPOCH_FENCE]: 'PrepareEpochFence',
};

const S = TransactionState;

/**
 * The states each state may be entered from (Kafka's validPreviousStates). PrepareAbort from
 * Empty and the Complete states is transaction version 2's: a client unsure of the state on the
 * coordinator may always abort.
 */
const VALID_PREVIOUS_STATES: Readonly<Record<TransactionStateId, readonly TransactionStateId[]>> = {
  [S.EMPTY]: [S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT],
  [S.ONGOING]: [S.ONGOING, S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT],
  [S.PREPARE_COMMIT]: [S.ONGOING],
  [S.PREPARE_ABORT]: [S.ONGOING, S.PREPARE_EPOCH_FENCE, S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT],
  [S.COMPLETE_COMMIT]: [S.PREPARE_COMMIT],
  [S.COMPLETE_ABORT]: [S.PREPARE_ABORT],
  [S.DEAD]: [S.EMPTY, S.COMPLETE_ABORT, S.COMPLETE_COMMIT],
  [S.PREPARE_EPOCH_FENCE]: [S.ONGOING],
};

export function stateName(state: TransactionStateId): string {
  return NAMES[state];
}

/** The state named `name` exactly (as ListTransactions filters match), or undefined. */
export function stateFromName(name: string): TransactionStateId | undefined {
  for (const [id, stateNameOf] of Object.entries(NAMES)) if (stateNameOf === name) return Number(id) as TransactionStateId;
  return undefined;
}

/** The state of a record's TransactionStatus; throws for an id Kafka does not define. */
export function stateFromId(id: number): TransactionStateId {
  if (!Number.isInteger(id) || id < 0 || id > 7) throw new Error(`Unknown transaction state id ${id} in a __transaction_state record`);
  return id as TransactionStateId;
}

export function isValidTransition(from: TransactionStateId, to: TransactionStateId): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

/** Whether a transactional id in this state may expire (no transaction open or completing). */
export function isExpirationAllowed(state: TransactionStateId): boolean {
  return state === S.EMPTY || state === S.COMPLETE_COMMIT || state === S.COMPLETE_ABORT;
}

/** RecordBatch.NO_PRODUCER_ID and NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/**
 * An epoch a client may no longer be given: the coordinator keeps Short.MAX_VALUE for itself, so
 * that it can always fence a producer (Kafka's isEpochExhausted).
 */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= SHORT_MAX - 1;
}

export const MAX_PRODUCER_EPOCH = SHORT_MAX;

/**
 * transaction.version (KIP-890): 0 is the original protocol, 1 writes flexible (v1) records,
 * 2 bumps the epoch at every EndTxn. A client uses version 2 by sending EndTxn v5+ and
 * AddPartitionsToTxn v4+ (the latter from partition leaders on its behalf).
 */
export function supportsEpochBump(transactionVersion: number): boolean {
  return transactionVersion >= 2;
}
