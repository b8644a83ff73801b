import { ClassicGroupCoordinator, type RoundErrorAction } from '../client/classic-group-coordinator.ts';
import { Cluster } from '../client/cluster.ts';
import { isRetriableGroupError } from '../client/group-membership.ts';
import type { ClusterOptions } from '../client/index.ts';
import {
  assignLeader, decodeAssignment, DUPLICATE_URLS, encodeIdentity, identityUrl, NO_ERROR, PROTOCOL_NAME, PROTOCOL_TYPE,
  type SchemaRegistryIdentity,
} from './leader-election-protocol.ts';

/** The leader an assignment named: its URL, and whether it is this instance. */
export interface RegistryLeader {
  readonly url: string;
  readonly self: boolean;
}

export interface LeaderElectorOptions {
  readonly client: ClusterOptions;
  /** schema.registry.group.id */
  readonly groupId: string;
  readonly identity: SchemaRegistryIdentity;
  /** Confluent's kafkagroup session timeout (10 s); the heartbeat interval is a third of it. */
  readonly sessionTimeoutMs: number;
  /** Told of every change: null while no leader is known (joining, rebalancing, none eligible). */
  readonly onLeader: (leader: RegistryLeader | null) => void;
  readonly log: (message: string) => void;
}

/**
 * The registry instances' leader election over Kafka's classic group protocol, as Confluent's
 * KafkaGroupLeaderElector, whose SchemaRegistryCoordinator extends Kafka's AbstractCoordinator as
 * this drives the shared ClassicGroupCoordinator: every instance joins the group with its identity,
 * the group leader picks the registry leader (assignLeader), and each instance learns it from its
 * assignment. A member stops knowing a leader as soon as it rejoins, so two instances never both
 * think they lead in one generation; a leader that dies is dropped by the coordinator after the
 * session timeout and the rebalance that follows picks another.
 */
export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #cluster: Cluster;
  readonly #coordinator: ClassicGroupCoordinator;
  readonly #firstAssignment = Promise.withResolvers<void>();
  #assigned = false;

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#cluster = new Cluster({ ...options.client, clientId: `${options.client.clientId ?? 'samsa-schema-registry'}-leader-elector` });
    const { groupId, sessionTimeoutMs } = options;
    this.#coordinator = new ClassicGroupCoordinator(this.#cluster, {
      groupId, groupInstanceId: null, protocolType: PROTOCOL_TYPE, sessionTimeoutMs, rebalanceTimeoutMs: sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(1, Math.floor(sessionTimeoutMs / 3)),
    }, {
      // Confluent's onRevoked: whatever we knew belongs to the generation we are leaving.
      onJoinPrepare: () => this.#options.onLeader(null),
      joinProtocols: () => [{ name: PROTOCOL_NAME, metadata: encodeIdentity(this.#options.identity) }],
      performAssignment: (_protocolName, members) => assignLeader(members),
      onJoinComplete: (_generationId, memberId, _protocolName, assignment) => this.#onJoinComplete(memberId, assignment),
      onRoundError: (error, running) => this.#onRoundError(error, running),
      onFatalError: (error) => {
        this.#firstAssignment.reject(error);
        this.#options.log(`leader election stopped: ${error.message}`);
      },
      onLeavePrepare: () => this.#options.onLeader(null),
    });
  }

  /**
   * Joins the group; resolves at the first assignment, rejects on an error no retry can fix or
   * after `initTimeoutMs` without one (Confluent's kafkastore.init.timeout.ms).
   */
  async start(initTimeoutMs: number): Promise<void> {
    this.#coordinator.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Timed out waiting for join group to complete')), initTimeoutMs);
    });
    try {
      await Promise.race([this.#firstAssignment.promise, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #onRoundError(error: unknown, running: boolean): RoundErrorAction {
    if (!running) return 'stop';
    // Before the first assignment an error no retry fixes (a session timeout the broker refuses,
    // say) fails the start; after it, as Confluent's poll loop since its elector thread could die
    // for good, everything is retried: an instance must not stay without a leader until restarted.
    if (!this.#assigned && !isRetriableGroupError(error)) return 'fail';
    // Cut off from the coordinator, we cannot know whether the group has moved on without us:
    // better no leader (writes answer 50004 until we rejoin) than two.
    this.#options.onLeader(null);
    this.#options.log(`leader election: ${(error as Error).message}, retrying`);
    return 'retry';
  }

  #onJoinComplete(memberId: string, buffer: Buffer): void {
    const assignment = decodeAssignment(buffer);
    if (assignment.error !== NO_ERROR) {
      // As Confluent's: no leader from this assignment, and a start waiting for it fails.
      const problem = new Error(assignment.error === DUPLICATE_URLS
        ? 'The schema registry group contained multiple members advertising the same URL. Give each instance a unique, routable --host-name or --listeners.'
        : `Unknown error ${assignment.error} returned from the schema registry coordination protocol`);
      this.#options.log(problem.message);
      this.#firstAssignment.reject(problem);
      return;
    }
    const leader = assignment.leaderIdentity === null ? null
      : { url: identityUrl(assignment.leaderIdentity), self: assignment.leader === memberId };
    this.#options.log(leader === null ? 'no leader is eligible' : `leader is ${leader.url}${leader.self ? ' (this instance)' : ''}`);
    this.#options.onLeader(leader);
    this.#assigned = true;
    this.#firstAssignment.resolve();
  }

  /** Leaves the group, so the others elect a new leader now rather than after the session timeout. */
  async close(): Promise<void> {
    await this.#coordinator.close('schema registry closed');
    this.#cluster.close();
  }
}
