import type { TopicAssignment } from '../zookeeper/zk-data.ts';

/**
 * A partition's replicas as a reassignment sees them (Kafka's ReplicaAssignment, KIP-455). While a
 * reassignment runs, `replicas` is the full set RS = target + origin (target first, so the target's
 * first replica is the preferred leader once it completes); `addingReplicas` (RS - origin) are
 * catching up, `removingReplicas` (RS - target) leave once every target replica is in sync. With
 * neither, the partition is not being reassigned. This is what the topic znode's `partitions`,
 * `adding_replicas` and `removing_replicas` hold, so a new controller resumes where the old stopped.
 */
export interface PartitionAssignment {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

export function settledAssignment(replicas: readonly number[]): PartitionAssignment {
  return { replicas: [...replicas], addingReplicas: [], removingReplicas: [] };
}

export function isBeingReassigned(assignment: PartitionAssignment): boolean {
  return assignment.addingReplicas.length > 0 || assignment.removingReplicas.length > 0;
}

/** The replicas before the reassignment started: what a cancellation returns to. */
export function originReplicas(assignment: PartitionAssignment): number[] {
  return assignment.replicas.filter((id) => !assignment.addingReplicas.includes(id));
}

/** The replicas once the reassignment completes. */
export function targetReplicas(assignment: PartitionAssignment): number[] {
  return assignment.replicas.filter((id) => !assignment.removingReplicas.includes(id));
}

/**
 * The assignment that moves the partition from its origin to `target`. A reassignment that
 * replaces one in progress starts from the same origin: replicas the first one was adding and the
 * second does not want are simply dropped. Reassigning to the origin is how a cancellation works.
 */
export function reassignTo(assignment: PartitionAssignment, target: readonly number[]): PartitionAssignment {
  const origin = originReplicas(assignment);
  const replicas = [...new Set([...target, ...origin])];
  return {
    replicas,
    addingReplicas: replicas.filter((id) => !origin.includes(id)),
    removingReplicas: replicas.filter((id) => !target.includes(id)),
  };
}

export function sameAssignment(a: PartitionAssignment, b: PartitionAssignment): boolean {
  const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((id, i) => id === y[i]);
  return same(a.replicas, b.replicas) && same(a.addingReplicas, b.addingReplicas) && same(a.removingReplicas, b.removingReplicas);
}

/** A topic znode's partitions, each with what a reassignment adds and removes. */
export function fullAssignments(topic: TopicAssignment): Map<number, PartitionAssignment> {
  return new Map([...topic.partitions].map(([partition, replicas]) => [partition, {
    replicas: [...replicas],
    addingReplicas: [...(topic.addingReplicas.get(partition) ?? [])],
    removingReplicas: [...(topic.removingReplicas.get(partition) ?? [])],
  }]));
}

/** The topic znode's content for `assignments`. */
export function topicAssignmentOf(topicId: string | undefined, assignments: ReadonlyMap<number, PartitionAssignment>): TopicAssignment {
  const pick = (field: keyof PartitionAssignment) => new Map([...assignments].map(([partition, a]) => [partition, a[field]]));
  return { topicId, partitions: pick('replicas'), addingReplicas: pick('addingReplicas'), removingReplicas: pick('removingReplicas') };
}
