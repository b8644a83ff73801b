import { SampledRate, TokenBucket, throttleTimeMs, type QuotaWindow } from './rate.ts';
import { entityKey, entitiesByPrecedence, QuotaKey, type ClientQuotaEntity } from './client-quota-entity.ts';

/** Kafka's QuotaType for clients, and the config key each one reads. */
export const ClientQuotaType = Object.freeze({
  Produce: QuotaKey.PRODUCER_BYTE_RATE,
  Fetch: QuotaKey.CONSUMER_BYTE_RATE,
  Request: QuotaKey.REQUEST_PERCENTAGE,
  ControllerMutation: QuotaKey.CONTROLLER_MUTATION_RATE,
} as const);
export type ClientQuotaType = keyof typeof ClientQuotaType;

/** Which levels of quota have ever been set (Kafka's QuotaTypes bits): they decide what a sensor is shared by. */
const CLIENT_ID_QUOTA_ENABLED = 1;
const USER_QUOTA_ENABLED = 2;
const USER_CLIENT_ID_QUOTA_ENABLED = 4;

/** Sensors nobody recorded into for an hour are dropped (ClientQuotaManager.InactiveSensorExpirationTimeSeconds). */
const INACTIVE_SENSOR_EXPIRATION_MS = 3_600_000;
const SENSOR_SWEEP_INTERVAL_MS = 60_000;
/** Kafka's throttle-time sensor measures over the broker's metrics config: metrics.num.samples = 2 of metrics.sample.window.ms = 30 s. */
const THROTTLE_TIME_WINDOW: QuotaWindow = Object.freeze({ samples: 2, windowMs: 30_000 });

export interface ClientQuotaManagerOptions {
  readonly quotaType: ClientQuotaType;
  readonly window: QuotaWindow;
  /** Throttles are capped here (the request quota caps at one window); unbounded by default, as byte quotas. */
  readonly maxThrottleTimeMs?: number;
}

/** The (user, client id) a sensor is shared by: "" for a component the applying quota does not name. */
interface MetricTags {
  readonly user: string;
  readonly clientId: string;
}

interface QuotaSensor {
  readonly tags: MetricTags;
  /** The quota that applies to these tags; Infinity when none. */
  bound: number;
  readonly rate: SampledRate;
  readonly bucket: TokenBucket | undefined;
  /** The throttles these tags were given (Kafka's throttle-time sensor), from the first one. */
  throttleTime: SampledRate | undefined;
  lastRecordMs: number;
}

/** One sensor as Kafka's quota metrics show it: who shares it, its rate, its mean throttle. */
export interface QuotaSensorReading {
  /** "" for a component the applying quota does not name. */
  readonly user: string;
  readonly clientId: string;
  /** The measured rate (bytes or percent of time per second). */
  readonly rate: number;
  /** The mean throttle in ms over the last windows; NaN without one. */
  readonly throttleTimeMs: number;
}

/**
 * Kafka's ClientQuotaManager for one quota type: a sensor per (user, client id) as the most
 * specific quota that applies groups them, each measuring a rate over quota.window.num windows of
 * quota.window.size.seconds. Recording returns how long the client must wait to bring its rate
 * back to the quota. ControllerMutation quotas measure with a token bucket instead (KIP-599).
 * Until some quota of this type is set, nothing is recorded.
 */
export class ClientQuotaManager {
  readonly quotaType: ClientQuotaType;
  readonly #window: QuotaWindow;
  readonly #maxThrottleTimeMs: number;
  /** Quotas set, by entityKey. */
  readonly #overridden = new Map<string, number>();
  readonly #sensors = new Map<string, QuotaSensor>();
  #quotaTypesEnabled = 0;
  #lastSweepMs = 0;

  constructor(options: ClientQuotaManagerOptions) {
    this.quotaType = options.quotaType;
    this.#window = options.window;
    this.#maxThrottleTimeMs = options.maxThrottleTimeMs ?? Number.POSITIVE_INFINITY;
  }

  /** True once a quota of this type was set (and until restart, as in Kafka). */
  get quotasEnabled(): boolean {
    return this.#quotaTypesEnabled !== 0;
  }

  /** Sets (a number) or removes (undefined) the quota of one entity, and re-bounds the sensors it may apply to. */
  updateQuota(entity: ClientQuotaEntity, bound: number | undefined): void {
    if (entity.user !== undefined) {
      this.#quotaTypesEnabled |= entity.clientId !== undefined ? USER_CLIENT_ID_QUOTA_ENABLED : USER_QUOTA_ENABLED;
    } else if (entity.clientId !== undefined) {
      this.#quotaTypesEnabled |= CLIENT_ID_QUOTA_ENABLED;
    }
    if (bound === undefined) this.#overridden.delete(entityKey(entity));
    else this.#overridden.set(entityKey(entity), bound);
    // The level mix may have changed what sensors are shared by: existing sensors keep their tags (as
    // in Kafka, until they expire) but take the quota that now applies to them.
    for (const sensor of this.#sensors.values()) sensor.bound = this.#quotaLimit(sensor.tags);
  }

  /** The quota that applies to a user and client id (Infinity when none), by Kafka's precedence. */
  quota(user: string, clientId: string): number {
    return this.#quotaLimit(this.#metricTags(user, clientId));
  }

  /** recordAndGetThrottleTimeMs, when any quota of this type is set; 0 otherwise. */
  maybeRecordAndGetThrottleTimeMs(user: string, clientId: string, value: number, timeMs: number): number {
    return this.quotasEnabled ? this.recordAndGetThrottleTimeMs(user, clientId, value, timeMs) : 0;
  }

  /**
   * Records `value` for the client at `timeMs` and returns how long it must be throttled: 0 within
   * its quota, else (observed - quota) / quota x the measured window (QuotaUtils.throttleTime),
   * capped at maxThrottleTimeMs. A token bucket is checked before the value is taken out.
   */
  recordAndGetThrottleTimeMs(user: string, clientId: string, value: number, timeMs: number): number {
    const sensor = this.#sensor(user, clientId, timeMs);
    if (sensor.bucket !== undefined) {
      const throttle = this.#bucketThrottleMs(sensor, timeMs);
      sensor.rate.record(value, timeMs);
      recordInBucket(sensor, value, timeMs);
      return throttle;
    }
    sensor.rate.record(value, timeMs);
    if (sensor.bound === Number.POSITIVE_INFINITY) return 0;
    const observed = sensor.rate.measure(timeMs);
    if (observed <= sensor.bound) return 0;
    return Math.min(throttleTimeMs(observed, sensor.bound, sensor.rate.windowSizeMs(timeMs)), this.#maxThrottleTimeMs);
  }

  /** Records without a throttle decision (what a later request then pays for). */
  recordNoThrottle(user: string, clientId: string, value: number, timeMs: number): void {
    if (!this.quotasEnabled) return;
    const sensor = this.#sensor(user, clientId, timeMs);
    sensor.rate.record(value, timeMs);
    recordInBucket(sensor, value, timeMs);
  }

  /**
   * The client was throttled `throttleMs` for this quota (the larger of the quotas it was over, as
   * Kafka's ClientQuotaManager.throttle records it): its sensor's throttle-time.
   */
  recordThrottle(user: string, clientId: string, throttleMs: number, timeMs: number): void {
    if (!this.quotasEnabled) return;
    const sensor = this.#sensor(user, clientId, timeMs);
    (sensor.throttleTime ??= new SampledRate(THROTTLE_TIME_WINDOW)).record(throttleMs, timeMs);
  }

  /** Every sensor at `nowMs`, for Kafka's per-client quota metrics (read when they are scraped). */
  *sensorReadings(nowMs: number): Generator<QuotaSensorReading> {
    for (const sensor of this.#sensors.values()) {
      yield { ...sensor.tags, rate: sensor.rate.measure(nowMs), throttleTimeMs: sensor.throttleTime?.mean(nowMs) ?? Number.NaN };
    }
  }

  /** Takes back a recorded value (a throttled fetch sends no records, so its bytes do not count). */
  unrecord(user: string, clientId: string, value: number, timeMs: number): void {
    this.recordNoThrottle(user, clientId, -value, timeMs);
  }

  /**
   * The most that could be recorded at once without a certain throttle: the quota over
   * quota.window.num - 1 windows (Kafka caps a consumer's fetch size to it). Infinity without a quota.
   */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    if (!this.quotasEnabled) return Number.POSITIVE_INFINITY;
    const bound = this.quota(user, clientId);
    return (bound * (this.#window.samples - 1) * this.#window.windowMs) / 1000;
  }

  /**
   * The client's throttle as it stands, without recording: for a token bucket the time to refill to
   * zero credits (KIP-599's strict check before a mutation is made); for a rate the time that brings
   * it back to the quota (a consumer's Fetch answered empty while over its request quota). 0 within it.
   */
  throttleTimeIfExceeded(user: string, clientId: string, timeMs: number): number {
    if (!this.quotasEnabled) return 0;
    const sensor = this.#sensor(user, clientId, timeMs);
    if (sensor.bucket !== undefined) return this.#bucketThrottleMs(sensor, timeMs);
    if (sensor.bound === Number.POSITIVE_INFINITY) return 0;
    const observed = sensor.rate.measure(timeMs);
    if (observed <= sensor.bound) return 0;
    return Math.min(throttleTimeMs(observed, sensor.bound, sensor.rate.windowSizeMs(timeMs)), this.#maxThrottleTimeMs);
  }

  #bucketThrottleMs(sensor: QuotaSensor, timeMs: number): number {
    if (sensor.bound === Number.POSITIVE_INFINITY) return 0;
    const tokens = sensor.bucket!.measure(sensor.bound, timeMs);
    return tokens < 0 ? Math.round((-tokens / sensor.bound) * 1000) : 0;
  }

  #sensor(user: string, clientId: string, timeMs: number): QuotaSensor {
    if (timeMs - this.#lastSweepMs >= SENSOR_SWEEP_INTERVAL_MS) this.#sweep(timeMs);
    const tags = this.#metricTags(user, clientId);
    const key = `${tags.user}\u0000${tags.clientId}`;
    let sensor = this.#sensors.get(key);
    if (sensor === undefined) {
      const bucket = this.quotaType === 'ControllerMutation' ? new TokenBucket(this.#window) : undefined;
      sensor = { tags, bound: this.#quotaLimit(tags), rate: new SampledRate(this.#window), bucket, throttleTime: undefined, lastRecordMs: timeMs };
      this.#sensors.set(key, sensor);
    }
    sensor.lastRecordMs = timeMs;
    return sensor;
  }

  #sweep(timeMs: number): void {
    this.#lastSweepMs = timeMs;
    for (const [key, sensor] of this.#sensors) {
      if (timeMs - sensor.lastRecordMs >= INACTIVE_SENSOR_EXPIRATION_MS) this.#sensors.delete(key);
    }
  }

  /**
   * Who a client's sensor is shared by (DefaultQuotaCallback.quotaMetricTags): with one level of
   * quotas set, that level's components; with several, those of the most specific entity set.
   */
  #metricTags(user: string, clientId: string): MetricTags {
    switch (this.#quotaTypesEnabled) {
      case 0:
      case CLIENT_ID_QUOTA_ENABLED:
        return { user: '', clientId };
      case USER_QUOTA_ENABLED:
        return { user, clientId: '' };
      case USER_CLIENT_ID_QUOTA_ENABLED:
        return { user, clientId };
      default: {
        // The first entity set in precedence order names the components; past the user levels, client ids alone.
        const levels = entitiesByPrecedence(user, clientId);
        for (const level of levels.slice(0, 6)) {
          if (this.#overridden.has(entityKey(level))) {
            return { user, clientId: level.clientId === undefined ? '' : clientId };
          }
        }
        return { user: '', clientId };
      }
    }
  }

  /** DefaultQuotaCallback.quotaLimit: the quota of the first entity set for these tags, Infinity for none. */
  #quotaLimit(tags: MetricTags): number {
    let candidates: ClientQuotaEntity[];
    if (tags.user !== '' && tags.clientId !== '') {
      candidates = [
        { user: tags.user, clientId: tags.clientId }, { user: tags.user, clientId: null },
        { user: null, clientId: tags.clientId }, { user: null, clientId: null },
      ];
    } else if (tags.user !== '') {
      candidates = [{ user: tags.user }, { user: null }];
    } else if (tags.clientId !== '') {
      candidates = [{ clientId: tags.clientId }, { clientId: null }];
    } else {
      return Number.POSITIVE_INFINITY;
    }
    for (const entity of candidates) {
      const bound = this.#overridden.get(entityKey(entity));
      if (bound !== undefined) return bound;
    }
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Takes a value out of a sensor's token bucket, if it has one; not while no quota applies, as the
 * refill at an unbounded rate is no number, and a quota set later starts from a full bucket.
 */
function recordInBucket(sensor: QuotaSensor, value: number, timeMs: number): void {
  if (sensor.bucket !== undefined && sensor.bound !== Number.POSITIVE_INFINITY) sensor.bucket.record(value, sensor.bound, timeMs);
}
