/**
 * Settle time of a classic consumer group of kcat -G (librdkafka) members, as the coordinator
 * reports it: DescribeGroups polled every `pollMs`, each member's assignment decoded
 * (ConsumerProtocolAssignment), "settled" when the group is Stable with the expected number of
 * members, every member holding at least one partition and every partition of the topic assigned
 * exactly once. A cooperative rebalance that only revokes (its first round) is therefore not
 * settled: the measure runs until the final assignment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { consumerProtocolAssignment } from '../src/protocol/generated/consumer-protocol-assignment.ts';
import { describeGroupsRequest, describeGroupsResponse, type DescribeGroupsResponseDescribedGroup } from '../src/protocol/generated/describe-groups.ts';
import { Reader } from '../src/protocol/primitives/reader.ts';
import { api, type KafkaApiClient } from '../test/helpers/kafka-api-client.ts';

const DescribeGroups = api(describeGroupsRequest, describeGroupsResponse);

export interface KcatMember {
  readonly name: string;
  readonly child: ChildProcess;
  /** The tail of its stderr (librdkafka's errors), for failure reports. */
  stderr(): string;
  kill9(): Promise<void>;
}

/** `kcat -G group topic` with librdkafka properties; stdout (records, none expected) is dropped. */
export function startKcatMember(name: string, bootstrap: string, groupId: string, topic: string, properties: Record<string, string>): KcatMember {
  const args = ['-b', bootstrap, '-G', groupId, '-q'];
  for (const [key, value] of Object.entries(properties)) args.push('-X', `${key}=${value}`);
  args.push(topic);
  const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4096); });
  const exited = once(child, 'exit').then(() => undefined);
  return {
    name,
    child,
    stderr: () => stderr,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface GroupView {
  state: string;
  members: number;
  /** Partitions held by each member, in DescribeGroups' member order. */
  assignments: number[][];
  /** Why the view is not settled, or null when it is. */
  unsettledBecause: string | null;
}

function decodeAssignment(bytes: Buffer, topic: string): number[] {
  if (bytes.length === 0) return [];
  const reader = new Reader(bytes);
  const version = reader.int16();
  const decoded = consumerProtocolAssignment.decode(reader, Math.min(Math.max(version, 0), consumerProtocolAssignment.maxVersion));
  return decoded.assignedPartitions.filter((tp) => tp.topic === topic).flatMap((tp) => tp.partitions);
}

export function viewGroup(group: DescribeGroupsResponseDescribedGroup, topic: string, partitionCount: number, expectedMembers: number): GroupView {
  const assignments = group.members.map((member) => decodeAssignment(member.memberAssignment, topic));
  const view = { state: group.groupState, members: group.members.length, assignments };
  const because = (reason: string | null): GroupView => ({ ...view, unsettledBecause: reason });
  if (group.errorCode !== 0) return because(`DescribeGroups error code ${group.errorCode}`);
  if (group.groupState !== 'Stable') return because(`state ${group.groupState}`);
  if (group.members.length !== expectedMembers) return because(`${group.members.length} members, expected ${expectedMembers}`);
  const idle = assignments.filter((partitions) => partitions.length === 0).length;
  if (idle > 0) return because(`${idle} member(s) hold no partition`);
  const owners = new Array<number>(partitionCount).fill(0);
  for (const partitions of assignments) {
    for (const partition of partitions) {
      if (partition < 0 || partition >= partitionCount) return because(`partition ${partition} out of range`);
      owners[partition]! += 1;
    }
  }
  const unowned = owners.flatMap((count, partition) => (count === 0 ? [partition] : []));
  const shared = owners.flatMap((count, partition) => (count > 1 ? [partition] : []));
  if (unowned.length > 0) return because(`partitions ${unowned.join(',')} unassigned`);
  if (shared.length > 0) return because(`partitions ${shared.join(',')} assigned more than once`);
  return because(null);
}

export async function describeGroup(client: KafkaApiClient, groupId: string): Promise<DescribeGroupsResponseDescribedGroup> {
  const response = await client.call(DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
  const group = response.groups[0];
  if (group === undefined) throw new Error(`DescribeGroups returned no group for ${groupId}`);
  return group;
}

export interface SettleTimes {
  /** Event (spawn or SIGKILL) to the first poll in which the group is no longer Stable. */
  detectedMs: number;
  /** Event to settled. */
  totalMs: number;
  /** Detection to settled: the rebalance itself. */
  afterDetectMs: number;
  /** Distinct group states seen between detection and settled, in order (e.g. PreparingRebalance, CompletingRebalance, Stable...). */
  states: string[];
  /** Every change of the polled view from the event to settled: `<ms since the event> <state> <members> <why unsettled | settled>`. */
  trace: string[];
}

export interface SettleWatch {
  client: KafkaApiClient;
  groupId: string;
  topic: string;
  partitionCount: number;
  pollMs: number;
  timeoutMs: number;
}

/** A failure to settle, with the last view of the group (the report the brief asks for). */
export class GroupDidNotSettle extends Error {
  readonly lastView: GroupView | null;
  constructor(message: string, lastView: GroupView | null) {
    super(`${message}; last DescribeGroups: ${lastView === null ? 'none' : `${lastView.state}, ${lastView.members} members, assignments ${JSON.stringify(lastView.assignments)} (${lastView.unsettledBecause ?? 'settled'})`}`);
    this.lastView = lastView;
  }
}

/**
 * Polls until the group leaves Stable (the broker has seen the event), then until it is settled
 * with `expectedMembers` (it had `membersBefore`); `startedAt` is the event's time (performance.now()).
 */
export async function timeSettle(watch: SettleWatch, membersBefore: number, expectedMembers: number, startedAt: number): Promise<SettleTimes> {
  let detectedAt: number | null = null;
  let last: GroupView | null = null;
  const states: string[] = [];
  const trace: string[] = [];
  const deadline = startedAt + watch.timeoutMs;
  while (performance.now() < deadline) {
    const group = await describeGroup(watch.client, watch.groupId);
    const now = performance.now();
    const previous = last;
    last = viewGroup(group, watch.topic, watch.partitionCount, expectedMembers);
    if (previous === null || previous.state !== last.state || previous.members !== last.members || previous.unsettledBecause !== last.unsettledBecause) {
      trace.push(`${(now - startedAt).toFixed(0)} ${last.state} ${last.members} ${last.unsettledBecause ?? 'settled'}`);
    }
    // The broker has acted once the group leaves Stable, or (should a whole rebalance fall between
    // two polls) once its member count has changed.
    if (detectedAt === null && (last.state !== 'Stable' || last.members !== membersBefore)) detectedAt = now;
    if (detectedAt !== null) {
      if (states.at(-1) !== last.state) states.push(last.state);
      if (last.unsettledBecause === null) {
        return { detectedMs: detectedAt - startedAt, totalMs: now - startedAt, afterDetectMs: now - detectedAt, states, trace };
      }
    }
    await sleep(watch.pollMs);
  }
  throw new GroupDidNotSettle(`group ${watch.groupId} did not settle with ${expectedMembers} members within ${watch.timeoutMs} ms${detectedAt === null ? ' (the broker never left Stable)' : ''}`, last);
}

/** Waits for the group to be settled with `expectedMembers` (no timing), e.g. after start-up. */
export async function waitSettled(watch: SettleWatch, expectedMembers: number): Promise<GroupView> {
  const deadline = performance.now() + watch.timeoutMs;
  let last: GroupView | null = null;
  while (performance.now() < deadline) {
    last = viewGroup(await describeGroup(watch.client, watch.groupId), watch.topic, watch.partitionCount, expectedMembers);
    if (last.unsettledBecause === null) return last;
    await sleep(watch.pollMs);
  }
  throw new GroupDidNotSettle(`group ${watch.groupId} did not settle with ${expectedMembers} members within ${watch.timeoutMs} ms`, last);
}

/**
 * Checks the group stays settled for `holdMs` (a rebalance that settles and then starts again would
 * make the measured time a false finish); returns the state changes seen, empty when it held.
 */
export async function holdSettled(watch: SettleWatch, expectedMembers: number, holdMs: number): Promise<string[]> {
  const deadline = performance.now() + holdMs;
  const broken: string[] = [];
  while (performance.now() < deadline) {
    const view = viewGroup(await describeGroup(watch.client, watch.groupId), watch.topic, watch.partitionCount, expectedMembers);
    if (view.unsettledBecause !== null && broken.at(-1) !== view.unsettledBecause) broken.push(view.unsettledBecause);
    await sleep(watch.pollMs);
  }
  return broken;
}
