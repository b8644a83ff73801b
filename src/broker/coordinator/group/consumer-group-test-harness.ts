import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/consumer-group-heartbeat.ts';
import { KafkaError } from '../../../protocol/errors.ts';
import { createSilentLogger } from '../../logger.ts';
import type { Time, Timer } from '../../time.ts';
import type { CoordinatorRecord, CoordinatorResult, CoordinatorTimer, TopicsView } from '../runtime/coordinator-runtime.ts';
import { ConsumerGroupManager } from './consumer-group-manager.ts';
import type { Group } from './group.ts';
import { groupConfigWith } from './group-config.ts';
import { decodeRecord, RecordType } from './group-records.ts';

/**
 * A consumer group manager under test: a manual clock, timers that run when the test advances
 * time, records applied through replay only (as the runtime does), and every record kept so a
 * second manager can be rebuilt from them.
 */
export class ConsumerGroupHarness {
  now = 0;
  readonly log: CoordinatorRecord[] = [];
  readonly groups = new Map<string, Group>();
  readonly topics = new Map<string, { id: string; partitions: number }>();
  readonly manager: ConsumerGroupManager;
  private readonly timers = new Map<string, { dueMs: number; operation: () => CoordinatorResult<void> }>();
  private nextMemberId = 1;

  constructor(overrides: Record<string, unknown> = {}) {
    const time: Time = { now: () => this.now, setTimeout: () => ({}) as Timer, clearTimeout: () => {} };
    const timer: CoordinatorTimer = {
      schedule: (key, delayMs, operation) => { this.timers.set(key, { dueMs: this.now + delayMs, operation }); },
      cancel: (key) => { this.timers.delete(key); },
      isScheduled: (key) => this.timers.has(key),
    };
    const metadata: TopicsView = {
      partitionCount: (topic) => this.topics.get(topic)?.partitions,
      topicId: (topic) => this.topics.get(topic)?.id,
      topicName: (topicId) => [...this.topics].find(([, t]) => t.id === topicId)?.[0],
      topicNames: () => [...this.topics.keys()],
    };
    const config = groupConfigWith(overrides as never);
    this.manager = new ConsumerGroupManager({ partition: 0, time, timer, logger: createSilentLogger(), config, metadata },
      this.groups, { hasOffsets: () => false }, () => `member-${this.nextMemberId++}`);
  }

  createTopic(name: string, partitions: number): string {
    const id = Buffer.alloc(16, this.topics.size + 1).toString('base64url');
    this.topics.set(name, { id, partitions });
    return id;
  }

  apply(records: readonly CoordinatorRecord[]): void {
    for (const record of records) {
      this.log.push(record);
      const { type, key, value } = decodeRecord(record);
      // What the classic manager does with a GroupMetadata tombstone: the classic group goes.
      if (type === RecordType.GROUP_METADATA) this.groups.delete((key as { group: string }).group);
      else this.manager.replay(type, key, value);
    }
  }

  /** A heartbeat as the handler runs it; a KafkaError becomes the response's error code. */
  heartbeat(request: Partial<ConsumerGroupHeartbeatRequest> & { groupId: string }): ConsumerGroupHeartbeatResponse {
    const full: ConsumerGroupHeartbeatRequest = {
      memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
      serverAssignor: null, topicPartitions: null, ...request,
    };
    try {
      const result = this.manager.heartbeat(full, { clientId: 'test-client', clientHost: '/127.0.0.1' });
      this.apply(result.records);
      return result.response as ConsumerGroupHeartbeatResponse;
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
  }

  /** Moves the clock, running due timers in deadline order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.dueMs <= until).sort(([, a], [, b]) => a.dueMs - b.dueMs)[0];
      if (due === undefined) break;
      this.now = due[1].dueMs;
      this.timers.delete(due[0]);
      this.apply(due[1].operation().records);
    }
    this.now = until;
  }

  isScheduled(key: string): boolean {
    return this.timers.has(key);
  }
}
