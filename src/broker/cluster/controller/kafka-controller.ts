import { EventEmitter } from 'node:events';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../../protocol/generated/allocate-producer-ids.ts';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../../protocol/generated/alter-partition.ts';
import type {
  AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse,
} from '../../../protocol/generated/alter-partition-reassignments.ts';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../../protocol/generated/elect-leaders.ts';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../../protocol/generated/list-partition-reassignments.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { BrokerConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { Time } from '../../time.ts';
import type { ControllerStats } from '../../../metrics/controller-stats.ts';
import type { ZooKeeperClient } from '../zookeeper/zookeeper-client.ts';
import { ZooKeeperClientClosedError } from '../zookeeper/zookeeper-errors.ts';
import { ControllerActivation } from './controller-activation.ts';
import { ControllerElection, ControllerMovedError } from './controller-election.ts';
import type { TopicPartition } from './controller-context.ts';

export interface KafkaControllerOptions {
  readonly client: ZooKeeperClient;
  readonly brokerId: number;
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly time: Time;
  /** Kafka's ControllerStats, with metrics on: events timed, unclean elections counted. */
  readonly stats?: ControllerStats | undefined;
}

export interface KafkaControllerEvents {
  /** /controller changed: the id of the broker now controller, -1 while there is none. */
  controllerChange: [activeControllerId: number];
}

/** The controller moved: a request for the controller went to a broker that is not (any more). */
export class NotControllerError extends Error {
  constructor(brokerId: number) {
    super(`broker ${brokerId} is not the controller`);
    this.name = 'NotControllerError';
  }
}

const RELOAD_BACKOFF_MS = 500;
const FAILOVER = 'failover';

/**
 * Kafka's KafkaController in ZooKeeper mode. Every broker runs one; the one that wins the election
 * (ControllerElection) is active: it loads the cluster's state from ZooKeeper, watches brokers,
 * topics and deletion requests, elects leaders, and tells brokers (LeaderAndIsr, UpdateMetadata,
 * StopReplica). All of it runs as events, one at a time, in order (Kafka's ControllerEventManager):
 * failover, broker and topic changes, AlterPartition and ControlledShutdown requests. An event that
 * fails unexpectedly (ZooKeeper out of reach) leaves the context possibly stale, so the controller
 * reloads everything from ZooKeeper and resends it, as a new controller would.
 */
export class KafkaController extends EventEmitter<KafkaControllerEvents> {
  readonly #options: KafkaControllerOptions;
  readonly #logger: Logger;
  #election: ControllerElection | undefined;
  #activation: ControllerActivation | undefined;
  #queue: Promise<void> = Promise.resolve();
  #reloadTimer: ReturnType<Time['setTimeout']> | undefined;
  #closed = false;

  static async start(options: KafkaControllerOptions): Promise<KafkaController> {
    const controller = new KafkaController(options);
    controller.#election = await ControllerElection.start({
      client: options.client,
      brokerId: options.brokerId,
      sessionTimeoutMs: options.config.zookeeperSessionTimeoutMs,
      logger: options.logger,
      now: () => options.time.now(),
      onBecomeController: (epoch, epochZkVersion) => controller.#onBecomeController(epoch, epochZkVersion),
      onResign: () => controller.#onResign(),
    });
    controller.#election.on('controllerChange', (id) => controller.emit('controllerChange', id));
    return controller;
  }

  private constructor(options: KafkaControllerOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'controller', brokerId: options.brokerId });
  }

  get isActive(): boolean {
    return this.#election?.isActive ?? false;
  }

  /** This controller's epoch; -1 when it is not the controller. */
  get epoch(): number {
    return this.#election?.controllerEpoch ?? -1;
  }

  /** The controller's broker id as last seen in /controller (this broker or another); -1 while none. */
  get activeControllerId(): number {
    return this.#election?.activeControllerId ?? -1;
  }

  /** AlterPartition from a partition leader; top-level NOT_CONTROLLER when this broker is not the controller. */
  async alterPartition(request: AlterPartitionRequest, apiVersion: number): Promise<AlterPartitionResponse> {
    return this.#runOrNotController('AlterPartition', (activation) => activation.alterPartition(request, apiVersion),
      { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] });
  }

  /** A broker asking to stop: NOT_CONTROLLER when this broker is not the controller. */
  async controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<{ errorCode: number; remainingPartitions: TopicPartition[] }> {
    return this.#runOrNotController('ControlledShutdown', async (activation) => {
      const result = await activation.controlledShutdown(brokerId, brokerEpoch);
      return { errorCode: result.errorCode, remainingPartitions: [...result.remainingPartitions] };
    }, { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] });
  }

  /** AlterPartitionReassignments: top-level NOT_CONTROLLER when this broker is not the controller. */
  async alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    return this.#runOrNotController('AlterPartitionReassignments', (a) => a.alterPartitionReassignments(request),
      { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, responses: [] });
  }

  async listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse> {
    return this.#runOrNotController('ListPartitionReassignments', async (a) => a.listPartitionReassignments(request),
      { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] });
  }

  async electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    return this.#runOrNotController('ElectLeaders', (a) => a.electLeaders(request),
      { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, replicaElectionResults: [] });
  }

  /** AllocateProducerIds: the next block of producer ids for a live broker; NOT_CONTROLLER when this broker is not the controller. */
  async allocateProducerIds(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.#runOrNotController('AllocateProducerIds', (a) => a.allocateProducerIds(request),
      { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, producerIdStart: 0n, producerIdLen: 0 });
  }

  /** Stops: resigns (deleting /controller so another broker takes over at once) and stops watching. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reloadTimer !== undefined) this.#options.time.clearTimeout(this.#reloadTimer);
    await this.#election?.close();
    this.#onResign();
  }

  /** Runs an event answering a request; `notController` when this broker is not (or no longer) the controller. */
  async #runOrNotController<T>(name: string, task: (activation: ControllerActivation) => Promise<T>, notController: T): Promise<T> {
    try {
      return await this.#run(name, task);
    } catch (error) {
      if (!(error instanceof NotControllerError || error instanceof ControllerMovedError)) throw error;
      return notController;
    }
  }

  #onBecomeController(epoch: number, epochZkVersion: number): void {
    this.#activation?.close();
    const activation = new ControllerActivation({
      client: this.#options.client,
      brokerId: this.#options.brokerId,
      config: this.#options.config,
      logger: this.#logger.child({ controllerEpoch: epoch }),
      epoch,
      epochZkVersion,
      time: this.#options.time,
      stats: this.#options.stats,
      enqueue: (name, task) => { void this.#run(name, task).catch(() => {}); },
    });
    this.#activation = activation;
    void this.#run(FAILOVER, (a) => a.failover()).catch(() => {});
  }

  #onResign(): void {
    this.#activation?.close();
    this.#activation = undefined;
  }

  /**
   * Runs `task` on the event queue against the activation current when it starts. Failures other
   * than the controller having moved make the active controller reload its state.
   */
  #run<T>(name: string, task: (activation: ControllerActivation) => Promise<T>): Promise<T> {
    const result = this.#queue.then(async () => {
      const activation = this.#activation;
      if (activation === undefined || activation.closed || this.#closed) throw new NotControllerError(this.#options.brokerId);
      // Before its failover has loaded the state (it is queued behind this), a new term cannot answer.
      if (!activation.loaded && name !== FAILOVER) throw new NotControllerError(this.#options.brokerId);
      // Timed as Kafka's ControllerEventManager times an event (failed ones too): its whole run on the queue.
      const { stats, time } = this.#options;
      const startMs = stats === undefined ? 0 : time.now();
      try {
        return await task(activation);
      } catch (error) {
        if (error instanceof ControllerMovedError) {
          this.#logger.info({ event: name, reason: error.message }, 'the controller moved while handling an event');
        } else if (!(error instanceof ZooKeeperClientClosedError) && !activation.closed) {
          this.#logger.warn({ err: error, event: name }, 'controller event failed; reloading the state from ZooKeeper');
          this.#scheduleReload(activation);
        }
        throw error;
      } finally {
        stats?.eventProcessed(name, time.now() - startMs);
      }
    });
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  #scheduleReload(failed: ControllerActivation): void {
    if (this.#reloadTimer !== undefined) return;
    this.#reloadTimer = this.#options.time.setTimeout(() => {
      this.#reloadTimer = undefined;
      if (this.#closed || this.#activation !== failed || !this.isActive) return;
      this.#onBecomeController(failed.epoch, failed.epochZkVersion);
    }, RELOAD_BACKOFF_MS);
  }
}
