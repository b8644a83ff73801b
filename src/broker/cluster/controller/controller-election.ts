import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.ts';
import { createSilentLogger } from '../../logger.ts';
import { decodeController, decodeControllerEpoch, encodeController, encodeControllerEpoch } from '../zookeeper/zk-data.ts';
import { ZkPaths } from '../zookeeper/zk-paths.ts';
import type { ZooKeeperClient, ZooKeeperOp, ZooKeeperOpResult, ZooKeeperWatch } from '../zookeeper/zookeeper-client.ts';
import { BadVersionError, ConnectionLossError, NodeExistsError, NoNodeError, ZooKeeperClientClosedError } from '../zookeeper/zookeeper-errors.ts';
import { deleteEphemeralIfOwned } from '../zookeeper/checked-ephemeral.ts';
import { checkControllerAndWrite, ControllerMovedError } from './check-controller-and-write.ts';

export { ControllerMovedError };

/**
 * The controller election of Kafka's ZooKeeper mode (KafkaController.elect): the broker that creates
 * the ephemeral /controller becomes the controller, and in the same multi bumps /controller_epoch
 * conditionally on its version, so two brokers can never win the same epoch. Every broker watches
 * /controller and runs the election again when it vanishes. The rules that keep one controller:
 * - all changes run one at a time, in order (Kafka's ControllerEventManager), except resigning on
 *   session expiry, which happens at once: the /controller znode died with the session;
 * - a controller whose connection has been lost longer than `suspendedResignMs` resigns too, before
 *   ZooKeeper can expire its session and let another broker win (Kafka relies on brokers refusing
 *   the stale epoch instead; resigning first means onBecomeController never overlaps). If the
 *   connection comes back within the session, /controller is still its own: it takes the next epoch;
 * - every write the controller makes goes through fencedWrite, which fails with
 *   ControllerMovedError once another controller has been elected.
 */
export interface ControllerElectionOptions {
  readonly client: ZooKeeperClient;
  readonly brokerId: number;
  /** zookeeper.session.timeout.ms: sets the default of suspendedResignMs. */
  readonly sessionTimeoutMs: number;
  /** How long a controller stays one without a connection; half the session timeout by default. */
  readonly suspendedResignMs?: number;
  /** Kafka's onControllerFailover: this broker is the controller with this epoch. */
  readonly onBecomeController: (controllerEpoch: number, epochZkVersion: number) => void | Promise<void>;
  /** Kafka's onControllerResignation: stop acting as the controller, at once. */
  readonly onResign: () => void;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface ControllerElectionEvents {
  /** /controller changed: the id of the broker now controller, -1 while there is none. */
  controllerChange: [activeControllerId: number];
}

interface ActiveController {
  readonly epoch: number;
  readonly epochZkVersion: number;
}

const RETRY_MS = 200;

export class ControllerElection extends EventEmitter<ControllerElectionEvents> {
  readonly #options: ControllerElectionOptions;
  readonly #client: ZooKeeperClient;
  readonly #logger: Logger;
  #active: ActiveController | undefined;
  #activeControllerId = -1;
  #sessionId = 0n;
  #watch: ZooKeeperWatch | undefined;
  #queue: Promise<void> = Promise.resolve();
  #suspendedTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #listeners = {
    expired: (): void => this.#onSessionExpired(),
    session: (sessionId: bigint): void => { this.#sessionId = sessionId; this.#enqueue(() => this.#elect()); },
    disconnected: (): void => this.#onDisconnected(),
    connected: (): void => this.#onConnected(),
  };

  /** Runs the first election and watches /controller from then on. */
  static async start(options: ControllerElectionOptions): Promise<ControllerElection> {
    const election = new ControllerElection(options);
    await election.#start();
    return election;
  }

  private constructor(options: ControllerElectionOptions) {
    super();
    this.#options = options;
    this.#client = options.client;
    this.#logger = (options.logger ?? createSilentLogger()).child({ component: 'controller-election', brokerId: options.brokerId });
  }

  /** The controller's broker id as last seen in /controller; -1 while there is none. */
  get activeControllerId(): number {
    return this.#activeControllerId;
  }

  /** True while this broker is the controller (Kafka's isActive). */
  get isActive(): boolean {
    return this.#active !== undefined;
  }

  /** This controller's epoch; -1 when it is not the controller. */
  get controllerEpoch(): number {
    return this.#active?.epoch ?? -1;
  }

  /** The version /controller_epoch had after this controller's election; -1 when not the controller. */
  get epochZkVersion(): number {
    return this.#active?.epochZkVersion ?? -1;
  }

  /** A controller's write to ZooKeeper, applied only while no newer controller exists. */
  async fencedWrite(ops: readonly ZooKeeperOp[]): Promise<ZooKeeperOpResult[]> {
    const active = this.#active;
    if (active === undefined) throw new ControllerMovedError(`broker ${this.#options.brokerId} is not the controller`);
    return checkControllerAndWrite(this.#client, active.epochZkVersion, ops);
  }

  /** Stops taking part; a controller resigns and deletes /controller so another broker takes over. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [event, listener] of Object.entries(this.#listeners)) this.#client.off(event as 'expired', listener as () => void);
    clearTimeout(this.#suspendedTimer);
    clearTimeout(this.#retryTimer);
    this.#watch?.cancel();
    // Not waiting for an election step in flight (ZooKeeper may be out of reach): #win checks #closed.
    const wasActive = this.#active !== undefined;
    this.#resign('shutting down');
    if (!wasActive) return;
    await this.#deleteOwnController();
  }

  async #start(): Promise<void> {
    this.#sessionId = (await this.#client.sessionCredentials()).sessionId;
    for (const [event, listener] of Object.entries(this.#listeners)) this.#client.on(event as 'expired', listener as () => void);
    this.#watch = await this.#client.watchData(ZkPaths.controller, () => this.#enqueue(() => this.#onControllerChange()));
    await this.#queue;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      try {
        await task();
      } catch (error) {
        if (this.#closed || error instanceof ZooKeeperClientClosedError) return;
        // A session that ended is followed by 'session', which elects again; anything else retries.
        this.#logger.warn({ err: error }, 'controller election step failed; electing again');
        clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => this.#enqueue(() => this.#elect()), RETRY_MS);
      }
    });
  }

  /**
   * Kafka's ControllerChange / Reelect: resign if /controller is not ours, elect if it is empty. It
   * reads /controller afresh: what the watch saw may be older than a step that ran meanwhile.
   */
  async #onControllerChange(): Promise<void> {
    const current = await this.#readController();
    this.#setActiveControllerId(current?.brokerId ?? -1);
    if (current === null) {
      this.#resign('/controller was deleted');
      await this.#elect();
    } else if (current.ephemeralOwner !== this.#sessionId) {
      this.#resign(`broker ${current.brokerId} is the controller now`);
    }
  }

  /** Kafka's elect(): make sure /controller_epoch exists, then try to become the controller. */
  async #elect(): Promise<void> {
    if (this.#active !== undefined) return;
    await this.#ensureControllerEpoch();
    const current = await this.#readController();
    if (current !== null) {
      this.#setActiveControllerId(current.brokerId);
      // Our own from this session: we resigned while cut off, and the session lived on.
      if (current.ephemeralOwner === this.#sessionId) await this.#takeOver(current.version);
      return;
    }
    const { epoch, version } = await this.#readControllerEpoch();
    const registration = encodeController({ brokerId: this.#options.brokerId, timestampMs: (this.#options.now ?? Date.now)() });
    await this.#win(epoch + 1, [
      { type: 'create', path: ZkPaths.controller, data: registration, mode: 'ephemeral' },
      { type: 'setData', path: ZkPaths.controllerEpoch, data: encodeControllerEpoch(epoch + 1), version },
    ]);
  }

  /** The /controller of this session is ours already: bump the epoch so any older one is fenced. */
  async #takeOver(controllerZkVersion: number): Promise<void> {
    const { epoch, version } = await this.#readControllerEpoch();
    await this.#win(epoch + 1, [
      { type: 'check', path: ZkPaths.controller, version: controllerZkVersion },
      { type: 'setData', path: ZkPaths.controllerEpoch, data: encodeControllerEpoch(epoch + 1), version },
    ]);
  }

  /** Runs the election's multi; on success this broker is the controller with `newEpoch`. */
  async #win(newEpoch: number, ops: readonly ZooKeeperOp[]): Promise<void> {
    let epochZkVersion: number;
    try {
      const results = await this.#client.multi(ops);
      const written = results[1];
      if (written?.type !== 'setData') throw new Error('the election multi did not answer its setData');
      epochZkVersion = written.stat.version;
    } catch (error) {
      if (!(error instanceof NodeExistsError || error instanceof BadVersionError || error instanceof NoNodeError || error instanceof ConnectionLossError)) throw error;
      // Kafka's checkControllerAndEpoch: lost to another broker, or won with the answer lost.
      const won = await this.#checkControllerAndEpoch(newEpoch);
      if (won === undefined) {
        this.#logger.info({ activeControllerId: this.#activeControllerId }, 'another broker won the controller election');
        return;
      }
      epochZkVersion = won;
    }
    if (this.#closed) {
      await this.#deleteOwnController();
      return;
    }
    this.#active = { epoch: newEpoch, epochZkVersion };
    this.#setActiveControllerId(this.#options.brokerId);
    this.#logger.info({ controllerEpoch: newEpoch, epochZkVersion }, 'elected as the controller');
    await this.#options.onBecomeController(newEpoch, epochZkVersion);
  }

  /** The epoch's zkVersion when /controller is this session's and the epoch is `newEpoch`. */
  async #checkControllerAndEpoch(newEpoch: number): Promise<number | undefined> {
    const current = await this.#readController();
    this.#setActiveControllerId(current?.brokerId ?? -1);
    if (current === null || current.ephemeralOwner !== this.#sessionId) return undefined;
    const { epoch, version } = await this.#readControllerEpoch();
    return epoch === newEpoch ? version : undefined;
  }

  async #ensureControllerEpoch(): Promise<void> {
    try {
      await this.#client.create(ZkPaths.controllerEpoch, encodeControllerEpoch(0));
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }

  async #readControllerEpoch(): Promise<{ epoch: number; version: number }> {
    const { data, stat } = await this.#client.getData(ZkPaths.controllerEpoch);
    return { epoch: decodeControllerEpoch(data), version: stat.version };
  }

  async #readController(): Promise<{ brokerId: number; ephemeralOwner: bigint; version: number } | null> {
    try {
      const { data, stat } = await this.#client.getData(ZkPaths.controller);
      return { brokerId: decodeController(data).brokerId, ephemeralOwner: stat.ephemeralOwner, version: stat.version };
    } catch (error) {
      if (error instanceof NoNodeError) return null;
      throw error;
    }
  }

  /** /controller goes now, when it is this session's, so another broker takes over at once. */
  async #deleteOwnController(): Promise<void> {
    await deleteEphemeralIfOwned(this.#client, ZkPaths.controller, (stat) => stat.ephemeralOwner === this.#sessionId, this.#options.sessionTimeoutMs);
  }

  /** The session is gone and /controller with it: resign before anything else runs. */
  #onSessionExpired(): void {
    clearTimeout(this.#suspendedTimer);
    this.#resign('the ZooKeeper session expired');
    this.#setActiveControllerId(-1);
  }

  #onDisconnected(): void {
    if (this.#active === undefined) return;
    const delayMs = this.#options.suspendedResignMs ?? Math.floor(this.#options.sessionTimeoutMs / 2);
    clearTimeout(this.#suspendedTimer);
    this.#suspendedTimer = setTimeout(() => this.#resign(`no ZooKeeper connection for ${delayMs} ms`), delayMs);
  }

  #onConnected(): void {
    clearTimeout(this.#suspendedTimer);
    // Within the same session: if we resigned meanwhile, /controller may still be ours.
    if (this.#active === undefined) this.#enqueue(() => this.#elect());
  }

  #resign(reason: string): void {
    if (this.#active === undefined) return;
    this.#logger.info({ controllerEpoch: this.#active.epoch, reason }, 'resigning as the controller');
    this.#active = undefined;
    this.#options.onResign();
  }

  #setActiveControllerId(brokerId: number): void {
    if (brokerId === this.#activeControllerId) return;
    this.#activeControllerId = brokerId;
    this.emit('controllerChange', brokerId);
  }
}
