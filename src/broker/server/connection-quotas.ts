import { SampledRate, throttleTimeMs, type QuotaWindow } from '../security/quotas/rate.ts';
import type { Time } from '../time.ts';

const UNLIMITED = 2147483647;

/** The broker's connection limits, by Kafka's names (SocketServerConfigs, QuotaConfig). */
export interface ConnectionQuotasConfig {
  /** max.connections: all listeners but a protected inter-broker one. */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides: "host:count,host:count". */
  readonly maxConnectionsPerIpOverrides: string;
  /** max.connection.creation.rate: connections per second, broker-wide. */
  readonly maxConnectionCreationRate: number;
  readonly quotaWindowNum: number;
  readonly quotaWindowSizeSeconds: number;
  /** listener.name.<listener>.max.connections and .max.connection.creation.rate, by listener name. */
  readonly listeners?: Readonly<Record<string, { readonly maxConnections?: number; readonly maxConnectionCreationRate?: number }>>;
  /** Kafka keeps the inter-broker listener out of max.connections when there are several listeners. */
  readonly interBrokerListenerName?: string;
}

/** The broker config keys the limits come from (BrokerConfig has them). */
export interface ConnectionLimitConfigs {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionsPerIpOverrides: string;
  readonly maxConnectionCreationRate: number;
  readonly quotaWindowNum: number;
  readonly quotaWindowSizeSeconds: number;
  /** listener.name.<listener>.<key> settings, by upper-case listener name, when the config has them. */
  readonly listenerOverrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The limits of a broker config, with each listener's listener.name.<listener>.max.connections and .max.connection.creation.rate. */
export function connectionQuotasConfig(config: ConnectionLimitConfigs, interBrokerListenerName: string): ConnectionQuotasConfig {
  const listeners: Record<string, { maxConnections?: number; maxConnectionCreationRate?: number }> = {};
  for (const [listener, settings] of Object.entries(config.listenerOverrides ?? {})) {
    const maxConnections = settings['max.connections'];
    const maxConnectionCreationRate = settings['max.connection.creation.rate'];
    listeners[listener] = {
      ...(maxConnections === undefined ? {} : { maxConnections: positiveInt(maxConnections, `listener.name.${listener.toLowerCase()}.max.connections`) }),
      ...(maxConnectionCreationRate === undefined ? {} : {
        maxConnectionCreationRate: positiveInt(maxConnectionCreationRate, `listener.name.${listener.toLowerCase()}.max.connection.creation.rate`),
      }),
    };
  }
  return { ...config, listeners, interBrokerListenerName };
}

function positiveInt(text: string, key: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${key}: "${text}" is not a count`);
  return value;
}

/** The answer to a new connection: accept it now, close it at once, or let it wait its turn. */
export type Admission = 'accept' | 'reject' | 'wait';

interface RateQuota {
  readonly rate: SampledRate;
  readonly bound: number;
}

/**
 * Kafka's ConnectionQuotas: counts of open connections per address, per listener and in all, and
 * the connection creation rates. A connection past its address's limit (max.connections.per.ip or
 * its override) is closed at once; past the listener's or the broker's max.connections, or the
 * creation rate, accepting waits (Kafka's acceptor blocks) until a connection closes or the rate
 * falls back. A listener accepts in order: one waiting connection holds up those after it.
 */
export class ConnectionQuotas {
  readonly #config: ConnectionQuotasConfig;
  readonly #clock: Time;
  readonly #window: QuotaWindow;
  readonly #overrides: ReadonlyMap<string, number>;
  readonly #perAddress = new Map<string, number>();
  readonly #perListener = new Map<string, number>();
  readonly #listenerRates = new Map<string, RateQuota>();
  readonly #brokerRate: RateQuota;
  readonly #onRelease = new Set<() => void>();
  #total = 0;

  constructor(config: ConnectionQuotasConfig, clock: Time) {
    this.#config = config;
    this.#clock = clock;
    this.#window = { samples: config.quotaWindowNum, windowMs: config.quotaWindowSizeSeconds * 1000 };
    this.#overrides = parseOverrides(config.maxConnectionsPerIpOverrides);
    this.#brokerRate = { rate: new SampledRate(this.#window), bound: config.maxConnectionCreationRate };
  }

  /** Open connections from an address (Kafka's ConnectionQuotas.get). */
  connectionsFrom(address: string): number {
    return this.#perAddress.get(normalizeAddress(address)) ?? 0;
  }

  get totalConnections(): number {
    return this.#total;
  }

  /**
   * Whether the listener has room for one more connection now (max.connections, the listener's,
   * and a protected inter-broker listener outside the broker's limit).
   */
  slotAvailable(listenerName: string): boolean {
    this.#perListener.set(listenerName, this.#perListener.get(listenerName) ?? 0);
    if (this.#perListener.get(listenerName)! >= this.#listenerMax(listenerName)) return false;
    return this.#protected(listenerName) || this.#total < this.#config.maxConnections;
  }

  /**
   * Records a connection attempt against the creation rates (the listener's and, unless the
   * listener is protected, the broker's) and returns how long accepting must wait, capped at one
   * window as Kafka's.
   */
  recordCreation(listenerName: string): number {
    const nowMs = this.#clock.now();
    const listener = this.#recordRate(this.#listenerRate(listenerName), nowMs);
    const broker = this.#protected(listenerName) ? 0 : this.#recordRate(this.#brokerRate, nowMs);
    return Math.max(listener, broker);
  }

  /**
   * Counts a connection being accepted; 'reject' when its address already has its limit (the
   * count is then not kept). Call once slotAvailable and the creation wait allow it.
   */
  admit(listenerName: string, address: string): 'accept' | 'reject' {
    const ip = normalizeAddress(address);
    const count = this.#perAddress.get(ip) ?? 0;
    if (count >= (this.#overrides.get(ip) ?? this.#config.maxConnectionsPerIp)) return 'reject';
    this.#perAddress.set(ip, count + 1);
    this.#perListener.set(listenerName, (this.#perListener.get(listenerName) ?? 0) + 1);
    this.#total += 1;
    return 'accept';
  }

  /** A counted connection closed. */
  release(listenerName: string, address: string): void {
    const ip = normalizeAddress(address);
    const count = this.#perAddress.get(ip) ?? 0;
    if (count <= 1) this.#perAddress.delete(ip);
    else this.#perAddress.set(ip, count - 1);
    this.#perListener.set(listenerName, Math.max(0, (this.#perListener.get(listenerName) ?? 0) - 1));
    this.#total = Math.max(0, this.#total - 1);
    // Any listener's acceptor may be waiting for the broker-wide count to fall.
    for (const listener of this.#onRelease) listener();
  }

  /** Calls `listener` whenever a connection is released; returns the unsubscribe. */
  onRelease(listener: () => void): () => void {
    this.#onRelease.add(listener);
    return () => this.#onRelease.delete(listener);
  }

  /** Schedules `callback` after `delayMs` on the quotas' clock (the listener's waits). */
  schedule(callback: () => void, delayMs: number): () => void {
    const timer = this.#clock.setTimeout(callback, delayMs);
    timer.unref?.();
    return () => this.#clock.clearTimeout(timer);
  }

  #recordRate(quota: RateQuota, nowMs: number): number {
    quota.rate.record(1, nowMs);
    if (quota.bound >= UNLIMITED) return 0;
    const observed = quota.rate.measure(nowMs);
    if (observed <= quota.bound) return 0;
    return Math.min(throttleTimeMs(observed, quota.bound, quota.rate.windowSizeMs(nowMs)), this.#window.windowMs);
  }

  #listenerRate(listenerName: string): RateQuota {
    let quota = this.#listenerRates.get(listenerName);
    if (quota === undefined) {
      const bound = this.#config.listeners?.[listenerName]?.maxConnectionCreationRate ?? UNLIMITED;
      quota = { rate: new SampledRate(this.#window), bound };
      this.#listenerRates.set(listenerName, quota);
    }
    return quota;
  }

  #listenerMax(listenerName: string): number {
    return this.#config.listeners?.[listenerName]?.maxConnections ?? UNLIMITED;
  }

  /** Kafka's protectedListener: the inter-broker listener, when the broker has others too. */
  #protected(listenerName: string): boolean {
    return this.#config.interBrokerListenerName === listenerName && this.#perListener.size > 1;
  }
}

/** Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** "host:count,..." (Kafka's max.connections.per.ip.overrides); an IPv6 host keeps its colons before the last. */
function parseOverrides(text: string): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const colon = entry.lastIndexOf(':');
    const count = Number(entry.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(count) || count < 0) {
      throw new Error(`max.connections.per.ip.overrides: "${entry}" is not host:count`);
    }
    const host = entry.slice(0, colon);
    if (host === 'localhost') {
      overrides.set('127.0.0.1', count);
      overrides.set('::1', count);
    } else {
      overrides.set(normalizeAddress(host), count);
    }
  }
  return overrides;
}
