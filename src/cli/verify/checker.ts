/**
 * The checker of `samsa verify`: a history of sends and the reads of the topic in, the anomalies
 * Jepsen's Kafka analysis names out. Pure: no I/O, no clock, so its tests feed it histories and logs
 * with exactly one anomaly each.
 *
 * What must stay true of a correct cluster, for an acknowledged (acks=all) record:
 * - it is in the log (else `lost`), at the partition and offset the acknowledgement named (else
 *   `wrong-offset`), once (else `duplicate`: the same producer/sequence at two offsets in one read);
 * - a producer's acknowledged records on one partition sit in the order they were sent (else
 *   `reorder`). Strictly guaranteed when the earlier one was acknowledged before the later one was
 *   sent (every pair, when each send is awaited); for sends in flight together Kafka guarantees it
 *   only with enable.idempotence, so each reorder says whether its two sends overlapped;
 * - every read of an offset returns the same record (else `inconsistent-read`).
 * A send that failed or was never answered may or may not be in the log: found, it is counted as
 * indeterminate, not an anomaly.
 */
import type { History, Operation, TopicRead } from './history.ts';
import { parseRecordValue } from './history.ts';

export interface Position {
  readonly partition: number;
  readonly offset: number;
}

export type Anomaly =
  | { readonly kind: 'lost'; readonly producer: number; readonly seq: number; readonly acked: Position }
  | { readonly kind: 'duplicate'; readonly producer: number; readonly seq: number; readonly positions: readonly Position[] }
  | {
    readonly kind: 'reorder'; readonly producer: number; readonly partition: number;
    /** `earlier` was sent first but sits after `later` in the log. */
    readonly earlier: { readonly seq: number; readonly offset: number };
    readonly later: { readonly seq: number; readonly offset: number };
    /** The later send went out before the earlier one was acknowledged: Kafka keeps their order only with idempotence. */
    readonly inFlightTogether: boolean;
  }
  | { readonly kind: 'wrong-offset'; readonly producer: number; readonly seq: number; readonly acked: Position; readonly found: readonly Position[] }
  | {
    readonly kind: 'inconsistent-read'; readonly partition: number; readonly offset: number;
    /** What each read found at the offset; `absent` when the read covered the offset but returned no record there. */
    readonly reads: ReadonlyArray<{ readonly read: number; readonly value: string | null } | { readonly read: number; readonly absent: true }>;
  };

export type AnomalyKind = Anomaly['kind'];
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['lost', 'duplicate', 'reorder', 'wrong-offset', 'inconsistent-read'];

export interface CheckCounts {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly unanswered: number;
  /** Failed or unanswered sends found in the log: the write happened; not an anomaly. */
  readonly indeterminate: number;
  /** Records in the first read, and those not written by this run (other runs, other writers). */
  readonly read: number;
  readonly foreign: number;
  readonly anomalies: Readonly<Record<AnomalyKind, number>>;
}

export interface CheckResult {
  readonly counts: CheckCounts;
  /** How many sends failed with each error: why, when a fault made the cluster refuse or stall. */
  readonly failures: Readonly<Record<string, number>>;
  readonly anomalies: readonly Anomaly[];
}

const keyOf = (producer: number, seq: number) => `${producer}/${seq}`;

/** Where each of this run's records sits in one read, by producer/seq; and how many records were not this run's. */
function positionsIn(runId: string, read: TopicRead): { positions: Map<string, Position[]>; foreign: number; total: number } {
  const positions = new Map<string, Position[]>();
  let foreign = 0;
  let total = 0;
  for (const partition of read) {
    for (const record of partition.records) {
      total++;
      const id = parseRecordValue(runId, record.value);
      if (id === null) {
        foreign++;
        continue;
      }
      const key = keyOf(id.producer, id.seq);
      const list = positions.get(key) ?? [];
      list.push({ partition: partition.partition, offset: record.offset });
      positions.set(key, list);
    }
  }
  return { positions, foreign, total };
}

const samePosition = (a: Position, b: Position) => a.partition === b.partition && a.offset === b.offset;

function union(lists: ReadonlyArray<readonly Position[] | undefined>): Position[] {
  const out: Position[] = [];
  for (const list of lists) for (const p of list ?? []) if (!out.some((q) => samePosition(p, q))) out.push(p);
  return out;
}

/** Offsets whose records differ between read 0 and each later read, over the range both covered. */
function inconsistentReads(reads: readonly TopicRead[]): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const [first, ...rest] = reads;
  if (first === undefined) return anomalies;
  rest.forEach((other, i) => {
    const readIndex = i + 1;
    for (const a of first) {
      const b = other.find((p) => p.partition === a.partition);
      if (b === undefined) continue;
      const from = Math.max(a.startOffset, b.startOffset);
      const to = Math.min(a.endOffset, b.endOffset);
      const inA = new Map(a.records.filter((r) => r.offset >= from && r.offset < to).map((r) => [r.offset, r.value]));
      const inB = new Map(b.records.filter((r) => r.offset >= from && r.offset < to).map((r) => [r.offset, r.value]));
      const offsets = [...new Set([...inA.keys(), ...inB.keys()])].sort((x, y) => x - y);
      for (const offset of offsets) {
        if (inA.has(offset) && inB.has(offset) && inA.get(offset) === inB.get(offset)) continue;
        const seen = (read: number, values: Map<number, string | null>) =>
          values.has(offset) ? { read, value: values.get(offset)! } : { read, absent: true as const };
        anomalies.push({ kind: 'inconsistent-read', partition: a.partition, offset, reads: [seen(0, inA), seen(readIndex, inB)] });
      }
    }
  });
  return anomalies;
}

/** Reorders among one producer's acknowledged records on each partition, by the position each was read at. */
function reorders(acked: ReadonlyArray<{ op: Operation; position: Position | null }>): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const groups = new Map<string, Array<{ op: Operation; position: Position }>>();
  for (const { op, position } of acked) {
    if (position === null) continue;
    const key = `${op.producer}/${position.partition}`;
    const group = groups.get(key) ?? [];
    group.push({ op, position });
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => a.op.seq - b.op.seq);
    // Each record read before one its producer sent earlier is reported once, against the furthest such.
    let furthest = group[0]!;
    for (const entry of group.slice(1)) {
      if (entry.position.offset < furthest.position.offset) {
        const earlierAck = furthest.op.outcome.type === 'ack' ? furthest.op.outcome.at : Infinity;
        anomalies.push({
          kind: 'reorder', producer: entry.op.producer, partition: entry.position.partition,
          earlier: { seq: furthest.op.seq, offset: furthest.position.offset },
          later: { seq: entry.op.seq, offset: entry.position.offset },
          inFlightTogether: entry.op.sentAt < earlierAck,
        });
      } else {
        furthest = entry;
      }
    }
  }
  return anomalies;
}

/** Checks `history` against `reads` (each a full read of the topic, the first being the reference). */
export function check(history: History, reads: readonly TopicRead[]): CheckResult {
  const found = reads.map((read) => positionsIn(history.runId, read));
  const anomalies: Anomaly[] = [];
  let acknowledged = 0;
  let failed = 0;
  let unanswered = 0;
  let indeterminate = 0;
  const failures: Record<string, number> = {};
  const ackedPositions: Array<{ op: Operation; position: Position | null }> = [];

  for (const op of history.operations) {
    const key = keyOf(op.producer, op.seq);
    const positions = union(found.map((f) => f.positions.get(key)));
    const outcome = op.outcome;
    if (outcome.type !== 'ack') {
      if (outcome.type === 'fail') {
        failed++;
        failures[outcome.error] = (failures[outcome.error] ?? 0) + 1;
      } else {
        unanswered++;
      }
      if (positions.length > 0) indeterminate++;
      continue;
    }
    acknowledged++;
    const acked = { partition: outcome.partition, offset: outcome.offset };
    if (positions.length === 0) {
      anomalies.push({ kind: 'lost', producer: op.producer, seq: op.seq, acked });
      ackedPositions.push({ op, position: null });
      continue;
    }
    // acks=0 answers offset -1: there is no offset to hold the record to.
    const atAcked = positions.find((p) => samePosition(p, acked));
    if (outcome.offset >= 0 && atAcked === undefined) {
      anomalies.push({ kind: 'wrong-offset', producer: op.producer, seq: op.seq, acked, found: positions });
    }
    ackedPositions.push({ op, position: atAcked ?? positions[0]! });
  }

  // The same producer/sequence at two offsets of one read (any send, acknowledged or not).
  const duplicated = new Map<string, { producer: number; seq: number; positions: Position[] }>();
  for (const op of history.operations) {
    const key = keyOf(op.producer, op.seq);
    for (const f of found) {
      const positions = f.positions.get(key);
      if (positions === undefined || union([positions]).length < 2) continue;
      const entry = duplicated.get(key) ?? { producer: op.producer, seq: op.seq, positions: [] };
      entry.positions = union([entry.positions, positions]);
      duplicated.set(key, entry);
    }
  }
  for (const d of duplicated.values()) anomalies.push({ kind: 'duplicate', ...d });

  anomalies.push(...reorders(ackedPositions), ...inconsistentReads(reads));

  const byKind = Object.fromEntries(ANOMALY_KINDS.map((kind) => [kind, anomalies.filter((a) => a.kind === kind).length])) as Record<AnomalyKind, number>;
  return {
    counts: {
      attempted: history.operations.length, acknowledged, failed, unanswered, indeterminate,
      read: found[0]?.total ?? 0, foreign: found[0]?.foreign ?? 0, anomalies: byKind,
    },
    failures,
    anomalies,
  };
}
