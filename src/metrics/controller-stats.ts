import type { Registry } from 'prom-client';
import { CONTROLLER_STATS_METRICS } from './kafka-metric-definitions.ts';
import { counterFamily, HistogramData, histogramFamily, TIME_MS_BUCKETS } from './metric-families.ts';

/**
 * The controller event Kafka times as LeaderElectionRateAndTimeMs: its ControllerState.BrokerChange
 * kept the metric's older name. The event elects leaders for the partitions whose leader died
 * (onBrokerFailure) and for offline partitions a returning broker can lead (onBrokerStartup).
 */
const BROKER_CHANGE_EVENT = 'BrokerChange';

/**
 * Kafka's ControllerStats (ZooKeeper mode), what the controller of this broker reports: the time
 * of each broker change it handled while active (a timer: count and time), and the leaders it
 * elected from outside the ISR. Registered on every broker as Kafka does, so a broker that never
 * was the controller reports 0.
 */
export class ControllerStats {
  readonly #leaderElectionTime = new HistogramData(TIME_MS_BUCKETS);
  #uncleanLeaderElections = 0;

  /** The active controller handled its event `event` in `durationMs` (ControllerEventManager's timer per state). */
  eventProcessed(event: string, durationMs: number): void {
    if (event === BROKER_CHANGE_EVENT) this.#leaderElectionTime.observe(durationMs);
  }

  /** A partition got a leader from outside its ISR (Kafka's uncleanLeaderElectionRate.mark()). */
  uncleanLeaderElected(): void {
    this.#uncleanLeaderElections += 1;
  }

  register(registry: Registry): void {
    histogramFamily(registry, CONTROLLER_STATS_METRICS.leaderElection, TIME_MS_BUCKETS, () => [{ labels: {}, data: this.#leaderElectionTime }]);
    counterFamily(registry, CONTROLLER_STATS_METRICS.uncleanLeaderElections, () => [{ labels: {}, value: this.#uncleanLeaderElections }]);
  }
}
