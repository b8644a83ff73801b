/**
 * librdkafka's offset store on the broker (kcat -o stored with a group.id: FindCoordinator,
 * OffsetFetch, OffsetCommit from a consumer outside group management): a consumer that read four
 * records resumes at the fifth, across a broker restart. kcat -G (balanced consumer) needs
 * JoinGroup/SyncGroup and is tested with them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kcat } from './helpers/kcat.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function consumeStored(groupId: string, count?: number) {
  const args = ['-b', broker.bootstrap, '-C', '-t', 'resume', '-p', '0', '-o', 'stored', '-X', `group.id=${groupId}`,
    '-X', 'topic.auto.offset.reset=earliest', '-e', '-q'];
  if (count !== undefined) args.push('-c', String(count));
  return kcat(args);
}

test('kcat with a group id commits what it read and the next run resumes there, also after a broker restart', async () => {
  const input = Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n';
  await kcat(['-b', broker.bootstrap, '-P', '-t', 'resume', '-p', '0'], { input });
  assert.equal((await consumeStored('kcat-group', 4)).stdout, 'm0\nm1\nm2\nm3\n');
  assert.equal((await consumeStored('kcat-group', 2)).stdout, 'm4\nm5\n');
  // Another group reads everything, independently.
  assert.equal((await consumeStored('other-group')).stdout, input);

  await broker.close();
  broker = await startTestBroker({}, broker.dataDir, { silent: true });
  assert.equal((await consumeStored('kcat-group')).stdout, 'm6\nm7\nm8\nm9\n');
});
