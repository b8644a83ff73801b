import type { JoinGroupResponse, SyncGroupResponse } from './classic-types.ts';

/** One protocol a member offers in JoinGroup: its name (the assignor) and opaque metadata. */
export interface ClassicProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export interface ClassicGroupMemberInit {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly supportedProtocols: readonly ClassicProtocol[];
  readonly assignment?: Buffer;
}

/**
 * A member of a classic group. Besides what GroupMetadata records persist, a member holds the
 * callbacks of its parked JoinGroup and SyncGroup requests: the coordinator answers them when the
 * rebalance moves on (soft state, never persisted, as in Kafka).
 */
export class ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  supportedProtocols: readonly ClassicProtocol[];
  assignment: Buffer;
  /** A member that joined in the current rebalance and has not received its JoinGroup answer yet may expire while it waits. */
  isNew = false;
  awaitingJoin: ((response: JoinGroupResponse) => void) | null = null;
  awaitingSync: ((response: SyncGroupResponse) => void) | null = null;

  constructor(init: ClassicGroupMemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.supportedProtocols = init.supportedProtocols;
    this.assignment = init.assignment ?? EMPTY_ASSIGNMENT;
  }

  isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  hasAssignment(): boolean {
    return this.assignment.length > 0;
  }

  /** The metadata the member gave for `protocolName`; throws when it does not support it (a coordinator bug). */
  metadata(protocolName: string): Buffer {
    const protocol = this.supportedProtocols.find((p) => p.name === protocolName);
    if (protocol === undefined) throw new Error(`member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /**
   * Whether a heartbeat deadline passing should be forgiven: members parked in JoinGroup or
   * SyncGroup cannot heartbeat. New members are the exception, so that a client that went away
   * while parked in its first JoinGroup does not stay forever.
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin() || this.isAwaitingSync();
  }

  /** Same protocols, same order, same metadata bytes: a rejoin with nothing new needs no rebalance. */
  matches(protocols: readonly ClassicProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => p.name === this.supportedProtocols[i]!.name && p.metadata.equals(this.supportedProtocols[i]!.metadata));
  }

  /** The member's vote: its most preferred protocol (the clients list them by preference) among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const protocol = this.supportedProtocols.find((p) => candidates.has(p.name));
    if (protocol === undefined) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return protocol.name;
  }

  protocolNames(): Set<string> {
    return new Set(this.supportedProtocols.map((p) => p.name));
  }

  /** Answers the parked JoinGroup, if any; true when there was one. */
  completeJoin(response: JoinGroupResponse): boolean {
    const resolve = this.awaitingJoin;
    if (resolve === null) return false;
    this.awaitingJoin = null;
    resolve(response);
    return true;
  }

  /** Answers the parked SyncGroup, if any; true when there was one. */
  completeSync(response: SyncGroupResponse): boolean {
    const resolve = this.awaitingSync;
    if (resolve === null) return false;
    this.awaitingSync = null;
    resolve(response);
    return true;
  }
}
