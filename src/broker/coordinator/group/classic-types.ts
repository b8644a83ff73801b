import type { JoinGroupResponse } from '../../../protocol/generated/join-group.ts';
import type { SyncGroupResponse } from '../../../protocol/generated/sync-group.ts';

export type { JoinGroupResponse, SyncGroupResponse };

/** Kafka's classic group states, by their ListGroups/DescribeGroups names. */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** From which states each state may be entered (Kafka's ClassicGroupState.validPreviousStates). */
export const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = Object.freeze({
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
});

/** What a classic group operation knows about the request beyond its body. */
export interface ClassicRequestContext {
  readonly apiVersion: number;
  readonly clientId: string;
  /** The client's address as Kafka shows it: "/127.0.0.1". */
  readonly clientHost: string;
}

/** The member id a client sends before the coordinator gave it one. */
export const UNKNOWN_MEMBER_ID = '';

/** Timer keys, one namespace per shard: a schedule with the same key replaces the earlier one. */
export function heartbeatKey(groupId: string, memberId: string): string {
  return `classic-heartbeat-${groupId}-${memberId}`;
}

export function joinKey(groupId: string): string {
  return `classic-join-${groupId}`;
}

export function syncKey(groupId: string): string {
  return `classic-sync-${groupId}`;
}

/** JoinGroup v4+: a dynamic member's first join only gets a member id, and must join again with it (KIP-394). */
export function requiresKnownMemberId(apiVersion: number): boolean {
  return apiVersion >= 4;
}

/** JoinGroup v9+ (KIP-814): a static leader replaced while Stable is told to skip running the assignment. */
export function supportsSkippingAssignment(apiVersion: number): boolean {
  return apiVersion >= 9;
}
