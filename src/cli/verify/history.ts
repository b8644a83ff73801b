/**
 * What `samsa verify` observed, as plain data: every send with its outcome (the history), and every
 * read of the partitions back (the logs). The checker works on these alone, so its tests can feed it
 * a history and logs with exactly one anomaly each.
 *
 * Times are a logical clock (`at`): one counter ticked at every send and every outcome, so "A was
 * acknowledged before B was sent" is exact and independent of wall-clock resolution.
 */

/** How one send ended: acknowledged at an offset, failed with an error, or never answered. */
export type Outcome =
  | { readonly type: 'ack'; readonly partition: number; readonly offset: number; readonly at: number }
  | { readonly type: 'fail'; readonly error: string; readonly at: number }
  | { readonly type: 'unknown' };

/** One send: producer `producer` sent its `seq`th record to `partition` at logical time `sentAt`. */
export interface Operation {
  readonly producer: number;
  readonly seq: number;
  readonly partition: number;
  readonly sentAt: number;
  readonly outcome: Outcome;
}

export interface History {
  /** Tags this run's values, so records of earlier runs on the same topic are told apart. */
  readonly runId: string;
  readonly operations: readonly Operation[];
}

/** One record as read back: its offset and its value as text (null for a null value). */
export interface ReadRecord {
  readonly offset: number;
  readonly value: string | null;
}

/** One partition read from `startOffset` (the log start when the read began) up to `endOffset`. */
export interface PartitionRead {
  readonly partition: number;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly records: readonly ReadRecord[];
}

/** One full read of the topic: every partition once. */
export type TopicRead = readonly PartitionRead[];

/** A record's value names its run, producer and sequence number: `samsa-verify <run> <producer> <seq>`. */
export function recordValue(runId: string, producer: number, seq: number): string {
  return `samsa-verify ${runId} ${producer} ${seq}`;
}

/** The producer and sequence number a value names, or null for a value not of run `runId`. */
export function parseRecordValue(runId: string, value: string | null): { producer: number; seq: number } | null {
  if (value === null) return null;
  const match = /^samsa-verify (\S+) (\d+) (\d+)$/.exec(value);
  if (match === null || match[1] !== runId) return null;
  return { producer: Number(match[2]), seq: Number(match[3]) };
}

/**
 * Records operations as the workload runs. Each producer's sends get consecutive sequence numbers
 * from 0; the outcome is filled in when the send settles (or stays unknown).
 */
export class HistoryRecorder {
  readonly runId: string;
  readonly #operations: Array<{ producer: number; seq: number; partition: number; sentAt: number; outcome: Outcome }> = [];
  readonly #now: () => number;
  #clock = 0;
  /** Wall-clock ms of the latest acknowledgement. */
  #lastAckMs: number | undefined;
  #longestAckGapMs = 0;

  constructor(runId: string, now: () => number = () => performance.now()) {
    this.runId = runId;
    this.#now = now;
  }

  /**
   * The longest the producers went, all together, without an acknowledgement once they had one
   * (connecting first is not a stop): how long writing stopped, as a client sees it, during a
   * failover or a leader move.
   */
  get longestAckGapMs(): number {
    return Math.round(this.#longestAckGapMs);
  }

  /** Notes a send; returns its index, to settle it with later. */
  send(producer: number, seq: number, partition: number): number {
    this.#operations.push({ producer, seq, partition, sentAt: this.#clock++, outcome: { type: 'unknown' } });
    return this.#operations.length - 1;
  }

  ack(index: number, partition: number, offset: number): void {
    const nowMs = this.#now();
    this.#longestAckGapMs = Math.max(this.#longestAckGapMs, nowMs - (this.#lastAckMs ?? nowMs));
    this.#lastAckMs = nowMs;
    this.#operations[index]!.outcome = { type: 'ack', partition, offset, at: this.#clock++ };
  }

  fail(index: number, error: string): void {
    this.#operations[index]!.outcome = { type: 'fail', error, at: this.#clock++ };
  }

  history(): History {
    return { runId: this.runId, operations: this.#operations.map((op) => ({ ...op })) };
  }
}
