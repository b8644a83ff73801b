import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { createSilentLogger } from '../../logger.ts';
import { ManualTime } from '../runtime/manual-time.ts';
import {
  BlockProducerIdManager, blockAfter, lastProducerIdOf, PRODUCER_ID_BLOCK_SIZE, type ProducerIdsBlock,
} from './producer-id-manager.ts';

/** A controller of its own: block after block from 0 on, each fetch held until the test lets it go when `manual`. */
class FakeBlockSource {
  latestEnd = -1n;
  calls = 0;
  failNext = 0;
  readonly #held: Array<() => void> = [];
  readonly #manual: boolean;

  constructor({ manual = false }: { manual?: boolean } = {}) {
    this.#manual = manual;
  }

  readonly nextBlock = async (): Promise<ProducerIdsBlock> => {
    this.calls++;
    if (this.#manual) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the controller is not reachable');
    }
    const block = blockAfter(this.latestEnd, 1);
    this.latestEnd = lastProducerIdOf(block);
    return block;
  };

  get held(): number {
    return this.#held.length;
  }

  release(): void {
    this.#held.shift()?.();
  }
}

function manager(source: FakeBlockSource, options: { maxWaitMs?: number; time?: ManualTime } = {}): BlockProducerIdManager {
  return new BlockProducerIdManager({ nextBlock: source.nextBlock, logger: createSilentLogger(), ...options });
}

async function generate(ids: BlockProducerIdManager, count: number): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(await ids.generateProducerId());
  return out;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('ids come one after another from blocks of 1000, the next block right after the first', async () => {
  const source = new FakeBlockSource();
  const ids = await generate(manager(source), 2 * PRODUCER_ID_BLOCK_SIZE + 5);
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => BigInt(i)));
  assert.equal(source.calls, 3);
});

test('the next block is fetched once 90% of the current one is used, so no caller waits for it', async () => {
  const source = new FakeBlockSource({ manual: true });
  const ids = manager(source);
  const first = ids.generateProducerId();
  await settle();
  source.release();
  assert.equal(await first, 0n);
  await generate(ids, 898);
  await settle();
  assert.equal(source.calls, 1, 'ids 0-898 handed out: no prefetch yet');
  assert.equal(await ids.generateProducerId(), 899n);
  await settle();
  assert.equal(source.calls, 1);
  assert.equal(await ids.generateProducerId(), 900n);
  await settle();
  assert.equal(source.calls, 2, 'id 900 handed out: the next block is on its way');
  assert.equal(source.held, 1);
  source.release();
  await settle();
  // The rest of the first block and the whole of the second without waiting on the source.
  const rest = await generate(ids, 99 + PRODUCER_ID_BLOCK_SIZE - 100);
  assert.equal(rest[0], 901n);
  assert.equal(rest.at(-1), 1899n);
  assert.equal(source.calls, 2);
  await ids.generateProducerId();
  await settle();
  assert.equal(source.calls, 3, '90% of the second block: the third is fetched');
  source.release();
});

test('callers arriving while a block is fetched wait for it and all get distinct ids, more callers than a block holds included', async () => {
  const source = new FakeBlockSource();
  const ids = manager(source);
  const all = await Promise.all(Array.from({ length: 2500 }, () => ids.generateProducerId()));
  assert.equal(new Set(all).size, 2500);
  assert.deepEqual([...all].sort((a, b) => (a < b ? -1 : 1)), Array.from({ length: 2500 }, (_, i) => BigInt(i)));
  assert.equal(source.calls, 3, 'one fetch at a time, shared by the callers waiting on it');
});

test('a failed fetch fails its waiting callers with COORDINATOR_LOAD_IN_PROGRESS, and the next call fetches again', async () => {
  const source = new FakeBlockSource();
  source.failNext = 1;
  const ids = manager(source);
  const failed = await Promise.allSettled([ids.generateProducerId(), ids.generateProducerId()]);
  for (const outcome of failed) {
    assert.equal(outcome.status, 'rejected');
    const error = (outcome as PromiseRejectedResult).reason as unknown;
    assert.ok(error instanceof KafkaError);
    assert.equal(error.code, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal(error.retriable, true);
  }
  assert.equal(source.calls, 1);
  assert.equal(await ids.generateProducerId(), 0n);
  assert.equal(source.calls, 2);
});

test('a failed prefetch is tried again by the next caller; nobody waits while the block lasts', async () => {
  const source = new FakeBlockSource();
  const ids = manager(source);
  await generate(ids, 900);
  source.failNext = 1;
  assert.equal(await ids.generateProducerId(), 900n);
  await settle();
  assert.equal(source.calls, 2, 'the prefetch was tried and failed');
  assert.equal(await ids.generateProducerId(), 901n);
  await settle();
  assert.equal(source.calls, 3, 'the next caller tried again');
  const rest = await generate(ids, 200);
  assert.equal(rest.at(-1), 1101n);
  assert.equal(source.calls, 3);
});

test('a caller waits at most maxWaitMs for a block; the fetch goes on and serves the next caller', async () => {
  const time = new ManualTime();
  const source = new FakeBlockSource({ manual: true });
  const ids = manager(source, { maxWaitMs: 5_000, time });
  const waiting = ids.generateProducerId();
  await settle();
  time.advance(5_000);
  await assert.rejects(waiting, (error: unknown) => error instanceof KafkaError && error.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  source.release();
  await settle();
  assert.equal(await ids.generateProducerId(), 0n);
  assert.equal(source.calls, 1);
  assert.equal(time.pendingTimers, 0);
});

test('a block that overlaps one handed out before is refused: ids never repeat', async () => {
  const blocks: ProducerIdsBlock[] = [
    { assignedBrokerId: 1, firstProducerId: 5000n, size: 2 },
    { assignedBrokerId: 1, firstProducerId: 5001n, size: 2 },
    { assignedBrokerId: 1, firstProducerId: -4n, size: 2 },
    { assignedBrokerId: 1, firstProducerId: 7000n, size: 2 },
  ];
  const ids = new BlockProducerIdManager({ nextBlock: async () => blocks.shift()!, logger: createSilentLogger() });
  assert.deepEqual(await generate(ids, 2), [5000n, 5001n]);
  await assert.rejects(ids.generateProducerId(), (error: unknown) => error instanceof KafkaError && error.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  await assert.rejects(ids.generateProducerId(), (error: unknown) => error instanceof KafkaError && error.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.deepEqual(await generate(ids, 2), [7000n, 7001n]);
});

test('two managers over one source (two brokers of one cluster) never hand out the same id', async () => {
  const source = new FakeBlockSource();
  const first = manager(source);
  const second = manager(source);
  const ids = await Promise.all(Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? second : first).generateProducerId()));
  assert.equal(new Set(ids).size, ids.length);
});
