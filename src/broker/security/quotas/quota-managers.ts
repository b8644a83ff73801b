import { ClientQuotaManager, ClientQuotaType } from './client-quota-manager.ts';
import type { QuotaWindow } from './rate.ts';
import type { ClientQuotaConfigSource, ClientQuotaEntity, QuotaValues } from './client-quota-entity.ts';

export interface QuotaManagersOptions {
  /** quota.window.num */
  readonly quotaWindowNum: number;
  /** quota.window.size.seconds */
  readonly quotaWindowSizeSeconds: number;
  /** Where the users and clients quotas are kept; the managers load them and follow their changes. */
  readonly configs: ClientQuotaConfigSource;
}

/**
 * Kafka's QuotaFactory.QuotaManagers for clients: one manager per quota type, fed by the users and
 * clients entity configs. The request quota's throttle is capped at one window, as Kafka's
 * ClientRequestQuotaManager; byte quotas are not.
 */
export class QuotaManagers {
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
  readonly controllerMutation: ClientQuotaManager;
  readonly configs: ClientQuotaConfigSource;

  constructor(options: QuotaManagersOptions) {
    const window: QuotaWindow = { samples: options.quotaWindowNum, windowMs: options.quotaWindowSizeSeconds * 1000 };
    this.produce = new ClientQuotaManager({ quotaType: 'Produce', window });
    this.fetch = new ClientQuotaManager({ quotaType: 'Fetch', window });
    this.request = new ClientQuotaManager({ quotaType: 'Request', window, maxThrottleTimeMs: window.windowMs });
    this.controllerMutation = new ClientQuotaManager({ quotaType: 'ControllerMutation', window });
    this.configs = options.configs;
    for (const [entity, values] of options.configs.quotaEntities()) this.#apply(entity, values);
    options.configs.onQuotasChanged((entity) => this.#apply(entity, options.configs.quotasOf(entity)));
  }

  /** Each manager takes the entity's value of its key, or drops the entity's quota when unset. */
  #apply(entity: ClientQuotaEntity, values: QuotaValues): void {
    for (const manager of [this.produce, this.fetch, this.request, this.controllerMutation]) {
      const key = ClientQuotaType[manager.quotaType];
      manager.updateQuota(entity, Object.hasOwn(values, key) ? values[key] : undefined);
    }
  }
}
