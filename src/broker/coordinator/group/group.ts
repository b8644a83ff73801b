/**
 * What every group kind shares, whatever its protocol: a classic group (JoinGroup/SyncGroup) or a
 * consumer group (KIP-848 ConsumerGroupHeartbeat). One map of groups per coordinator shard holds
 * both kinds, so a group id is one kind or the other, as Kafka rules.
 *
 * The offset manager checks commits and fetches against the group through this interface; the
 * admin APIs (ListGroups, DescribeGroups, DeleteGroups, OffsetDelete) use it too.
 */
export interface Group {
  readonly groupId: string;
  readonly type: 'classic' | 'consumer';
  /** ListGroups' group state, Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead (classic); Empty, Assigning, Reconciling, Stable, Dead (consumer). */
  stateName(): string;
  /** The classic protocol type ("consumer", "connect", ...) or "consumer" for KIP-848 groups. */
  protocolType(): string;
  isEmpty(): boolean;
  /**
   * OffsetCommit against this group. Throws KafkaError: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
   * FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS, STALE_MEMBER_EPOCH... as Kafka's
   * ClassicGroup/ConsumerGroup.validateOffsetCommit do. A commit with an empty member id and
   * generation -1 (simple consumer / admin) is allowed only while the group is empty.
   */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationIdOrMemberEpoch: number, isTransactional: boolean, apiVersion: number): void;
  /** OffsetFetch with a member id and epoch (v9+ require_stable / KIP-848). */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): void;
  /** OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC when a member still consumes the topic (checked by the caller through isSubscribedToTopic). */
  validateOffsetDelete(): void;
  isSubscribedToTopic(topic: string): boolean;
  /** DeleteGroups: NON_EMPTY_GROUP unless empty. */
  validateDeleteGroup(): void;
}
