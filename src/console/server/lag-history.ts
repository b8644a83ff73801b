import type { LagSample } from '../api-types.ts';

/** Samples kept per group: an hour at one every 10 s. */
const MAX_SAMPLES = 360;

/**
 * Total lag over time per group, for the lag chart: a sample is kept each time the console works
 * a group's lag out (group list and detail), and a timer (started by the server) samples the
 * groups someone looked at recently, so the chart fills while the page is open. Groups not looked
 * at for `watchMs` are forgotten.
 */
export class LagHistoryStore {
  readonly #samples = new Map<string, LagSample[]>();
  readonly #watchedUntil = new Map<string, number>();
  readonly #watchMs: number;

  constructor({ watchMs = 600_000 } = {}) {
    this.#watchMs = watchMs;
  }

  record(groupId: string, totalLag: number, timestampMs = Date.now()): void {
    let samples = this.#samples.get(groupId);
    if (samples === undefined) this.#samples.set(groupId, samples = []);
    samples.push({ timestampMs, totalLag });
    if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
  }

  /** A person is looking at the group: keep sampling it for a while. */
  watch(groupId: string, nowMs = Date.now()): void {
    this.#watchedUntil.set(groupId, nowMs + this.#watchMs);
  }

  samples(groupId: string): LagSample[] {
    return [...(this.#samples.get(groupId) ?? [])];
  }

  /** The groups to sample now; forgets those no one watched for a while, and their samples. */
  watched(nowMs = Date.now()): string[] {
    const out: string[] = [];
    for (const [groupId, until] of this.#watchedUntil) {
      if (until >= nowMs) {
        out.push(groupId);
      } else {
        this.#watchedUntil.delete(groupId);
        this.#samples.delete(groupId);
      }
    }
    return out;
  }

  forget(groupId: string): void {
    this.#watchedUntil.delete(groupId);
    this.#samples.delete(groupId);
  }
}
