import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchRequest } from '../../protocol/generated/fetch.ts';
import { Reader } from '../../protocol/primitives/reader.ts';
import { Writer } from '../../protocol/primitives/writer.ts';
import { LeaderEpochFileCache } from '../../storage/leader-epoch-cache.ts';
import { FetchSessionHandler } from './fetch-session-handler.ts';
import { replicaFetchPartitions, replicaFetchRequest, withReplica } from './replica-fetch-request.ts';
import { divergenceTruncationOffset, fetcherIdFor, PartitionFetchState, type FollowerPartitionAccess } from './replica-fetch-state.ts';

/** A follower log reduced to what the truncation decision reads: its end and its epoch cache (the storage's own, never written here). */
function follower(logEndOffset: number, epochs: { epoch: number; startOffset: number }[], logStartOffset = 0): FollowerPartitionAccess {
  const cache = new LeaderEpochFileCache('/nonexistent/leader-epoch-checkpoint', epochs);
  const refuse = (): never => { throw new Error('the decision must not change the log'); };
  return {
    topic: 'orders', partition: 3, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', leaderEpoch: 7, logStartOffset, logEndOffset,
    latestEpoch: () => (cache.latestEpoch < 0 ? undefined : cache.latestEpoch),
    endOffsetForEpoch: (epoch) => cache.endOffsetFor(epoch, logEndOffset),
    appendAsFollower: refuse, truncateTo: refuse, truncateFullyAndStartAt: refuse, updateHighWatermark: refuse, maybeIncrementLogStartOffset: refuse,
  };
}

test('a diverging epoch the follower also has: truncate to the smaller end of it', () => {
  const log = follower(20, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 4, startOffset: 15 }]);
  // The follower's epoch 2 ends at 15, the leader's at 12: the records 12..14 are the follower's own.
  assert.equal(divergenceTruncationOffset(log, { epoch: 2, endOffset: 12 }), 12);
  // The leader's epoch 2 ran longer than the follower's: the follower's epoch 4 starts the divergence.
  assert.equal(divergenceTruncationOffset(log, { epoch: 2, endOffset: 18 }), 15);
  // The newest epoch ends at the log end, and no truncation goes past it.
  assert.equal(divergenceTruncationOffset(log, { epoch: 4, endOffset: 30 }), 20);
});

test('a diverging epoch the follower lacks: truncate to the end of its own largest epoch below, to ask again', () => {
  const log = follower(20, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 4, startOffset: 15 }]);
  assert.equal(divergenceTruncationOffset(log, { epoch: 3, endOffset: 17 }), 15);
  assert.equal(divergenceTruncationOffset(log, { epoch: 1, endOffset: 12 }), 10);
});

test('a follower with no epoch at all: the leader\'s end of the diverging epoch, never past its own end', () => {
  assert.equal(divergenceTruncationOffset(follower(20, []), { epoch: 1, endOffset: 12 }), 12);
  assert.equal(divergenceTruncationOffset(follower(20, []), { epoch: 1, endOffset: 25 }), 20);
});

test('a new partition state starts at the log end in its latest epoch, -1 without one', () => {
  const withEpochs = new PartitionFetchState(follower(20, [{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 15 }]), 7);
  assert.deepEqual([withEpochs.key, withEpochs.fetchOffset, withEpochs.lastFetchedEpoch, withEpochs.currentLeaderEpoch], ['orders-3', 20, 4, 7]);
  assert.equal(new PartitionFetchState(follower(0, []), 0).lastFetchedEpoch, -1);
});

test('partitions spread over num.replica.fetchers as Kafka spreads them (Java hashCode, Utils.abs)', () => {
  // "hello".hashCode() is 99162322; 31 * that overflows to -1220935314.
  assert.equal(fetcherIdFor('hello', 0, 1_000_000_007), 1220935314 % 1_000_000_007);
  assert.equal(fetcherIdFor('hello', 5, 7), (1220935314 - 5) % 7);
  assert.equal(fetcherIdFor('anything', 3, 1), 0);
  const ids = new Set(Array.from({ length: 50 }, (_, p) => fetcherIdFor('orders', p, 4)));
  assert.deepEqual([...ids].sort(), [0, 1, 2, 3]);
});

test('a follower\'s fetch names it by replica id up to v14 and by ReplicaState with its broker epoch from v15', () => {
  const log = follower(20, [{ epoch: 4, startOffset: 15 }], 5);
  const settings = { maxWaitMs: 500, minBytes: 1, maxBytes: 10485760, partitionMaxBytes: 1048576, backoffMs: 1000, socketTimeoutMs: 30000 };
  const { wanted, byId } = replicaFetchPartitions([new PartitionFetchState(log, 7)], () => log, settings);
  assert.equal(byId, false, 'the zero topic id keeps the request at v12');
  const request = replicaFetchRequest(new FetchSessionHandler().build(wanted, false), settings);
  assert.deepEqual([request.sessionId, request.sessionEpoch], [0, 0], 'the first fetch is full and asks for a session');
  const roundTrip = (version: number) => {
    const writer = new Writer();
    fetchRequest.encode(writer, withReplica(request, version, 2, 42n), version);
    return fetchRequest.decode(new Reader(Buffer.concat(writer.toBuffers())), version);
  };
  const v12 = roundTrip(12);
  assert.equal(v12.replicaId, 2);
  const { partition, currentLeaderEpoch, fetchOffset, lastFetchedEpoch, logStartOffset, partitionMaxBytes } = v12.topics[0]!.partitions[0]!;
  assert.deepEqual({ partition, currentLeaderEpoch, fetchOffset, lastFetchedEpoch, logStartOffset, partitionMaxBytes },
    { partition: 3, currentLeaderEpoch: 7, fetchOffset: 20n, lastFetchedEpoch: 4, logStartOffset: 5n, partitionMaxBytes: 1048576 });
  assert.deepEqual([v12.maxWaitMs, v12.minBytes, v12.maxBytes, v12.isolationLevel], [500, 1, 10485760, 0]);
  const v17 = roundTrip(17);
  assert.deepEqual(v17.replicaState, { replicaId: 2, replicaEpoch: 42n });
  assert.equal(v17.replicaId ?? -1, -1);
});

test('a leader that does not know its leadership yet is asked again at 50 ms, doubling up to the backoff, and at once again after progress', () => {
  const state = new PartitionFetchState(follower(20, [{ epoch: 0, startOffset: 0 }]), 7);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => state.nextLeaderWaitMs(1000)), [50, 100, 200, 400, 800, 1000, 1000]);
  state.followLog(follower(21, [{ epoch: 0, startOffset: 0 }]));
  assert.equal(state.nextLeaderWaitMs(1000), 50);
  assert.equal(state.nextLeaderWaitMs(30), 30, 'never longer than replica.fetch.backoff.ms');
});
