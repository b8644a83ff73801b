/**
 * A coordinator's internal topic (__consumer_offsets, __transaction_state), created on its first
 * lookup. Concurrent callers share one creation: the metadata names the topic before the replica
 * manager hosts its partitions, so a caller that came during the creation must wait for it, or its
 * load finds no partition and fails. A creation that fails is forgotten, so the next lookup tries again.
 */
export class InternalTopicCreation {
  private creating: Promise<void> | undefined;
  private readonly exists: () => boolean;
  private readonly create: () => Promise<void>;
  /** The topic exists already: what the coordinator does then (a single node loads every partition). */
  private readonly onExisting: () => void;

  constructor(options: { exists: () => boolean; create: () => Promise<void>; onExisting: () => void }) {
    this.exists = options.exists;
    this.create = options.create;
    this.onExisting = options.onExisting;
  }

  /** Whether the topic is being created right now (FindCoordinator answers COORDINATOR_NOT_AVAILABLE meanwhile). */
  get inProgress(): boolean {
    return this.creating !== undefined;
  }

  /** Creates the topic unless it exists; rejects when the creation fails. */
  async ensure(): Promise<void> {
    if (this.creating !== undefined) {
      await this.creating;
      return;
    }
    if (this.exists()) {
      this.onExisting();
      return;
    }
    this.creating ??= this.create().finally(() => {
      this.creating = undefined;
    });
    await this.creating;
  }
}
