import type { HeartbeatResponse } from '../../../protocol/generated/heartbeat.ts';
import type { JoinGroupRequest } from '../../../protocol/generated/join-group.ts';
import type { LeaveGroupRequestMemberIdentity } from '../../../protocol/generated/leave-group.ts';
import type { SyncGroupRequest } from '../../../protocol/generated/sync-group.ts';
import { KafkaError } from '../../../protocol/errors.ts';
import type { BrokerConfigInput } from '../../config.ts';
import { createTestRuntime, type TestRuntime } from '../runtime/test-runtime.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import type { ClassicGroup } from './classic-group.ts';
import type { LeaveOutcome } from './classic-heartbeat.ts';
import type { ClassicRequestContext, JoinGroupResponse, SyncGroupResponse } from './classic-types.ts';

/** Consumer protocol subscription metadata (v0) for `topics`, as a client sends it. */
export function subscription(topics: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0]), int32(topics.length)];
  for (const topic of topics) {
    const name = Buffer.from(topic, 'utf8');
    parts.push(Buffer.from([name.length >> 8, name.length & 0xff]), name);
  }
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

export interface JoinOptions {
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly protocolType?: string;
  readonly protocols?: readonly { name: string; metadata: Buffer }[];
  readonly apiVersion?: number;
  readonly clientId?: string;
}

/** A classic group driven through the real runtime (in-memory log, manual clock). */
export class ClassicHarness {
  readonly t: TestRuntime<GroupCoordinatorShard>;

  private constructor(t: TestRuntime<GroupCoordinatorShard>) {
    this.t = t;
  }

  static async create(config: BrokerConfigInput = {}): Promise<ClassicHarness> {
    return new ClassicHarness(await createTestRuntime({
      config: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 100, ...config },
    }));
  }

  get shard(): GroupCoordinatorShard { return this.t.shard(); }

  group(groupId: string): ClassicGroup {
    const group = this.shard.classic.classicGroup(groupId);
    if (group === undefined) throw new Error(`no classic group ${groupId}`);
    return group;
  }

  /** Starts a JoinGroup; the promise settles when the coordinator answers (maybe after a rebalance). */
  join(groupId: string, options: JoinOptions = {}): Promise<JoinGroupResponse> {
    const apiVersion = options.apiVersion ?? 5;
    const request: JoinGroupRequest = {
      groupId,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 1000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 2000,
      memberId: options.memberId ?? '',
      groupInstanceId: options.groupInstanceId ?? null,
      protocolType: options.protocolType ?? 'consumer',
      protocols: [...(options.protocols ?? [{ name: 'range', metadata: subscription(['topic']) }])],
      reason: null,
    };
    const context: ClassicRequestContext = { apiVersion, clientId: options.clientId ?? 'client', clientHost: '/127.0.0.1' };
    return this.t.runtime.scheduleWriteOperation('join-group', 0, (shard) => shard.classic.joinGroup(request, context));
  }

  /** A dynamic member through both JoinGroup round trips (v4+: MEMBER_ID_REQUIRED first). */
  async joinDynamic(groupId: string, options: JoinOptions = {}): Promise<{ readonly memberId: string; readonly answer: Promise<JoinGroupResponse> }> {
    const first = await this.join(groupId, options);
    if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
    const answer = this.join(groupId, { ...options, memberId: first.memberId });
    await this.settle();
    return { memberId: first.memberId, answer };
  }

  sync(groupId: string, memberId: string, generationId: number, assignments: Record<string, Buffer> = {}, extra: Partial<SyncGroupRequest> = {}): Promise<SyncGroupResponse> {
    const request: SyncGroupRequest = {
      groupId, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: Object.entries(assignments).map(([id, assignment]) => ({ memberId: id, assignment })),
      ...extra,
    };
    return this.t.runtime.scheduleWriteOperation('sync-group', 0, (shard) => shard.classic.syncGroup(request));
  }

  /** Heartbeat's error code (KafkaErrors from the manager become their codes, as the handler does). */
  async heartbeat(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): Promise<number> {
    try {
      const response: HeartbeatResponse = await this.t.runtime.scheduleWriteOperation('heartbeat', 0,
        (shard) => shard.classic.heartbeat({ groupId, memberId, generationId, groupInstanceId }));
      return response.errorCode;
    } catch (error) {
      if (error instanceof KafkaError) return error.code;
      throw error;
    }
  }

  leave(groupId: string, members: LeaveGroupRequestMemberIdentity[]): Promise<LeaveOutcome> {
    return this.t.runtime.scheduleWriteOperation('leave-group', 0, (shard) => shard.classic.leaveGroup(groupId, members));
  }

  /** Lets queued operations run, then moves the clock; timer operations it fires run before this resolves. */
  async advance(ms: number): Promise<void> {
    await this.settle();
    this.t.time.advance(ms);
    await this.settle();
    // Timers due now that operations set meanwhile (zero delays) fire too, as they would in real time.
    for (let i = 0; i < 3; i++) {
      this.t.time.advance(0);
      await this.settle();
    }
  }

  /** Waits for every queued operation of the partition (timer operations included). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.t.runtime.scheduleReadOperation('settle', 0, () => undefined);
    }
  }
}

/** Whether the promise has settled yet (without waiting for it). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setImmediate(() => resolve(marker)))]);
  return result !== marker;
}
