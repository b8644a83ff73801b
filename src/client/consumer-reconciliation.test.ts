import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { byTopicId, reconcile, type OwnedPartition } from './consumer-reconciliation.ts';

const names = new Map([['id-a', 'a'], ['id-b', 'b']]);
const topicName = (id: string): string | undefined => names.get(id);
const owned = (topic: string, partition: number): OwnedPartition => ({ topic, partition, topicId: `id-${topic}` });

test('revokes what is no longer assigned and adds what is new, keeping the rest', () => {
  const plan = reconcile([owned('a', 0), owned('a', 1), owned('b', 0)], [{ topicId: 'id-a', partitions: [1, 2] }, { topicId: 'id-b', partitions: [0] }], topicName);
  assert.deepEqual(plan.revoked, [owned('a', 0)]);
  assert.deepEqual(plan.added, [owned('a', 2)]);
  assert.deepEqual(plan.unresolved, []);
});

test('an empty target revokes everything; an unchanged one does nothing', () => {
  const all = [owned('a', 0), owned('b', 3)];
  assert.deepEqual(reconcile(all, [], topicName).revoked, all);
  const same = reconcile(all, [{ topicId: 'id-b', partitions: [3] }, { topicId: 'id-a', partitions: [0] }], topicName);
  assert.deepEqual([same.revoked, same.added], [[], []]);
});

test('topics the metadata cannot name wait, and are not mistaken for revocations', () => {
  const plan = reconcile([owned('a', 0)], [{ topicId: 'id-a', partitions: [0] }, { topicId: 'id-new', partitions: [0, 1] }], topicName);
  assert.deepEqual(plan, { revoked: [], added: [], unresolved: ['id-new'] });
});

test('ownership is by topic id: a topic re-created under the same name is revoked and assigned anew', () => {
  const plan = reconcile([{ topic: 'a', partition: 0, topicId: 'old-id' }], [{ topicId: 'id-a', partitions: [0] }], topicName);
  assert.deepEqual(plan.revoked, [{ topic: 'a', partition: 0, topicId: 'old-id' }]);
  assert.deepEqual(plan.added, [owned('a', 0)]);
});

test('property: owned minus revoked plus added is exactly the (resolvable) target', () => {
  const partitions = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 8 });
  fc.assert(fc.property(fc.record({ ownA: partitions, ownB: partitions, tA: partitions, tB: partitions }), ({ ownA, ownB, tA, tB }) => {
    const before = [...ownA.map((p) => owned('a', p)), ...ownB.map((p) => owned('b', p))];
    const target = [{ topicId: 'id-a', partitions: tA }, { topicId: 'id-b', partitions: tB }];
    const plan = reconcile(before, target, topicName);
    const keyOf = (o: OwnedPartition): string => `${o.topicId}:${o.partition}`;
    const revoked = new Set(plan.revoked.map(keyOf));
    const after = [...before.filter((o) => !revoked.has(keyOf(o))), ...plan.added].map(keyOf).sort();
    assert.deepEqual(after, target.flatMap((t) => t.partitions.map((p) => `${t.topicId}:${p}`)).sort());
    assert.equal(new Set(after).size, after.length);
  }));
});

test('byTopicId groups and sorts, so equal sets look equal', () => {
  assert.deepEqual(byTopicId([owned('b', 2), owned('a', 1), owned('b', 0)]), [{ topicId: 'id-a', partitions: [1] }, { topicId: 'id-b', partitions: [0, 2] }]);
});
