/**
 * The first FindCoordinator creates __consumer_offsets. Lookups that arrive while it is being
 * created must not break the coordinator: the metadata names the topic before the broker hosts its
 * partitions, and a load started in that window used to fail for good (every later lookup answered
 * COORDINATOR_NOT_AVAILABLE, every group request NOT_COORDINATOR). Two consumers starting together
 * hit exactly that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { joinGroupRequest, joinGroupResponse } from '../src/protocol/generated/join-group.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';

const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const JoinGroup = api(joinGroupRequest, joinGroupResponse);

test('concurrent first FindCoordinator lookups leave a working coordinator', async () => {
  const broker = await startTestBroker({}, undefined, { silent: true });
  const clients = await Promise.all(Array.from({ length: 4 }, () => KafkaApiClient.open(broker.host, broker.port)));
  try {
    const groups = clients.map((_, i) => `race-${i}`);
    const first = await Promise.all(clients.map((c, i) => c.call(FindCoordinator, 3, { key: groups[i]!, keyType: 0 })));
    // Kafka may answer COORDINATOR_NOT_AVAILABLE while the topic is being created; nothing else.
    const retriable: ReadonlyArray<number | undefined> = [ErrorCode.NONE, ErrorCode.COORDINATOR_NOT_AVAILABLE];
    for (const answer of first) assert.ok(retriable.includes(answer.errorCode), `first lookup: ${answer.errorCode}`);
    for (const [i, c] of clients.entries()) {
      const again = await c.call(FindCoordinator, 3, { key: groups[i]!, keyType: 0 });
      assert.equal(again.errorCode, ErrorCode.NONE, `later lookup of ${groups[i]}`);
      const join = await c.call(JoinGroup, 9, {
        groupId: groups[i]!, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null,
        protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
      });
      assert.equal(join.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `JoinGroup of ${groups[i]}`);
    }
  } finally {
    for (const c of clients) c.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
