import { allPartitions } from './sticky-partitions.ts';
import { keyOf, type TopicPartition } from './topic-partition.ts';

/**
 * Kafka's general sticky assignment, for groups whose members subscribe to different topics. The
 * result is balanced in Kafka's sense: no member could take a partition it subscribes to from a
 * member with at least two more partitions (counts differ by at most one when that is possible).
 *
 * 1. Members keep what they owned, where they still subscribe to the topic.
 * 2. Unowned partitions, topics with the fewest subscribers first, go one by one to the subscribed
 *    member with the fewest partitions.
 * 3. Balancing: while unbalanced, a partition moves from its member to the least-loaded subscriber
 *    if that one has at least two fewer. Newly placed partitions move first (nothing is lost by
 *    moving them); a partition goes back to its previous-generation owner when that balances;
 *    and of a topic's partitions the one that returns to its old owner, or one new to the loaded
 *    member, moves instead of one that member already had.
 * Each move lowers the sum of the pairwise differences of the members' counts, so step 3 ends.
 */
export function generalAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>,
  owned: ReadonlyMap<string, readonly TopicPartition[]>,
  previousOwner: ReadonlyMap<string, string>,
): Map<string, TopicPartition[]> {
  return new GeneralAssignment(partitionsPerTopic, subscriptions, owned, previousOwner).build();
}

class GeneralAssignment {
  readonly #partitionsPerTopic: ReadonlyMap<string, number>;
  readonly #subscriptions: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #owned: ReadonlyMap<string, readonly TopicPartition[]>;
  readonly #previousOwner: ReadonlyMap<string, string>;
  /** Subscribers of each topic, in member order (which breaks ties). */
  readonly #consumersOf = new Map<string, string[]>();
  /** Who owned each partition when the round started. */
  readonly #originalOwner = new Map<string, string>();
  readonly #current = new Map<string, TopicPartition[]>();
  readonly #ownerOf = new Map<string, string>();

  constructor(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, ReadonlySet<string>>,
    owned: ReadonlyMap<string, readonly TopicPartition[]>,
    previousOwner: ReadonlyMap<string, string>,
  ) {
    this.#partitionsPerTopic = partitionsPerTopic;
    this.#subscriptions = subscriptions;
    this.#owned = owned;
    this.#previousOwner = previousOwner;
    for (const topic of partitionsPerTopic.keys()) this.#consumersOf.set(topic, []);
    for (const [memberId, topics] of subscriptions) {
      this.#current.set(memberId, []);
      for (const topic of topics) this.#consumersOf.get(topic)?.push(memberId);
    }
  }

  build(): Map<string, TopicPartition[]> {
    let revocationRequired = false;
    for (const [memberId, partitions] of this.#owned) {
      for (const tp of partitions) {
        this.#originalOwner.set(keyOf(tp), memberId);
        if (this.#subscriptions.get(memberId)?.has(tp.topic) === true) this.#place(tp, memberId);
        else revocationRequired = true;
      }
    }
    const sorted = allPartitions(this.#partitionsPerTopic, (a, b) =>
      this.#consumersOf.get(a)!.length - this.#consumersOf.get(b)!.length || (a < b ? -1 : a > b ? 1 : 0));
    const unassigned = sorted.filter((tp) => !this.#ownerOf.has(keyOf(tp)));
    for (const tp of unassigned) {
      const memberId = this.#leastLoaded(this.#consumersOf.get(tp.topic)!);
      if (memberId !== undefined) this.#place(tp, memberId);
    }
    // Partitions of a topic with one subscriber can never move.
    const movable = (tp: TopicPartition) => this.#consumersOf.get(tp.topic)!.length >= 2;
    // When a member has to give up a topic anyway, Java skips the cheap pass: it would balance
    // only by what is new and leave the forced moves badly placed.
    if (!revocationRequired) this.#performReassignments(unassigned.filter(movable));
    this.#performReassignments(sorted.filter(movable));
    return this.#current;
  }

  #size(memberId: string): number {
    return this.#current.get(memberId)!.length;
  }

  #leastLoaded(candidates: readonly string[], except?: string): string | undefined {
    let best: string | undefined;
    for (const memberId of candidates) {
      if (memberId !== except && (best === undefined || this.#size(memberId) < this.#size(best))) best = memberId;
    }
    return best;
  }

  #place(tp: TopicPartition, memberId: string): void {
    this.#current.get(memberId)!.push(tp);
    this.#ownerOf.set(keyOf(tp), memberId);
  }

  #move(tp: TopicPartition, from: string, to: string): void {
    const list = this.#current.get(from)!;
    const key = keyOf(tp);
    list.splice(list.findIndex((q) => keyOf(q) === key), 1);
    this.#place(tp, to);
  }

  /** Kafka's balance criterion: no member can take a partition from one with two or more above it. */
  #isBalanced(): boolean {
    const sizes = [...this.#current.values()].map((l) => l.length);
    if (Math.min(...sizes) >= Math.max(...sizes) - 1) return true;
    for (const [memberId, topics] of this.#subscriptions) {
      const size = this.#size(memberId);
      for (const topic of topics) {
        const count = this.#partitionsPerTopic.get(topic) ?? 0;
        for (let partition = 0; partition < count; partition++) {
          const owner = this.#ownerOf.get(keyOf({ topic, partition }))!;
          if (owner !== memberId && this.#size(owner) > size + 1) return false;
        }
      }
    }
    return true;
  }

  #performReassignments(partitions: readonly TopicPartition[]): void {
    let modified: boolean;
    do {
      modified = false;
      for (const tp of partitions) {
        if (this.#isBalanced()) return;
        const owner = this.#ownerOf.get(keyOf(tp))!;
        const previous = this.#previousOwner.get(keyOf(tp));
        if (previous !== undefined && previous !== owner && this.#subscriptions.get(previous)!.has(tp.topic)
          && this.#size(owner) > this.#size(previous) + 1) {
          this.#move(tp, owner, previous);
          modified = true;
          continue;
        }
        const target = this.#leastLoaded(this.#consumersOf.get(tp.topic)!, owner);
        if (target !== undefined && this.#size(owner) > this.#size(target) + 1) {
          this.#moveSticky(tp, owner, target);
          modified = true;
        }
      }
    } while (modified);
  }

  /**
   * Moves one partition of tp's topic from `from` to `to`: one that `to` owned before if `from` has
   * one (it goes home), else tp if it is new to `from`, else any partition new to `from`, else tp.
   */
  #moveSticky(tp: TopicPartition, from: string, to: string): void {
    const sameTopic = this.#current.get(from)!.filter((q) => q.topic === tp.topic);
    const original = (q: TopicPartition) => this.#originalOwner.get(keyOf(q));
    const chosen = sameTopic.find((q) => original(q) === to)
      ?? (original(tp) === from ? sameTopic.find((q) => original(q) !== from) : undefined)
      ?? tp;
    this.#move(chosen, from, to);
  }
}
