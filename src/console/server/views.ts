import type { BrokerNode, ClusterMetadata, ConfigEntry, PartitionMetadata } from '../../client/index.ts';
import { configSourceName } from '../../client/index.ts';
import type { BrokerRef, ConfigEntryView } from '../api-types.ts';

/** Client types as the API shows them. */

export function brokerRef(node: BrokerNode): BrokerRef {
  return { id: node.nodeId, host: node.host, port: node.port, rack: node.rack };
}

/** A sensitive value is never shown, whatever the cluster sent. */
export function configView(entry: ConfigEntry): ConfigEntryView {
  return {
    name: entry.name, value: entry.isSensitive ? null : entry.value, source: configSourceName(entry.source), isDefault: entry.isDefault,
    isSensitive: entry.isSensitive, readOnly: entry.readOnly, type: entry.type, documentation: entry.documentation,
    synonyms: entry.synonyms.map((s) => ({ name: s.name, value: entry.isSensitive ? null : s.value, source: configSourceName(s.source) })),
  };
}

export function isUnderReplicated(partition: PartitionMetadata): boolean {
  return partition.isr.length < partition.replicas.length;
}

export function isOffline(partition: PartitionMetadata): boolean {
  return partition.leaderId < 0;
}

/** Replicas on brokers the metadata does not list (the Metadata answer's offline replicas, as the client keeps it). */
export function offlineReplicas(partition: PartitionMetadata, metadata: ClusterMetadata): number[] {
  return partition.replicas.filter((id) => !metadata.brokers.has(id));
}
