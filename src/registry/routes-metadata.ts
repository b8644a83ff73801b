import { packageVersion } from '../client/index.ts';
import type { RegistryRoutes } from './registry-http.ts';

/** Confluent's name of the default context, the only one Samsa's registry has (subjects are not qualified by a context). */
const DEFAULT_CONTEXT = '.';
const VERSION = Object.freeze({ version: packageVersion(), commitId: 'unknown' });

/**
 * What tools ask a registry about itself, as Confluent's ContextsResource and ServerMetadataResource
 * answer. The commit id is "unknown", as Confluent's own answer is when its build recorded none:
 * a Samsa install does not know which commit it came from.
 */
export const metadataRoutes: RegistryRoutes = {
  'GET /contexts': () => [DEFAULT_CONTEXT],

  'GET /v1/metadata/id': ({ registry }) => ({
    scope: { path: [], clusters: { 'kafka-cluster': registry.kafkaClusterId, 'schema-registry-cluster': registry.groupId } },
  }),

  'GET /v1/metadata/version': () => VERSION,
};
