import { fetchApiVersions } from './raw-kafka.ts';

/** The API keys a broker advertises, to gate tests of features other engineers are still landing. */
export async function brokerServes(host: string, port: number, apiKeys: readonly number[]): Promise<boolean> {
  const served = new Set((await fetchApiVersions(host, port)).map((v) => v.apiKey));
  return apiKeys.every((key) => served.has(key));
}

/** JoinGroup, Heartbeat, LeaveGroup, SyncGroup, OffsetCommit, OffsetFetch, FindCoordinator. */
export const CLASSIC_GROUP_APIS = [11, 12, 13, 14, 8, 9, 10] as const;
