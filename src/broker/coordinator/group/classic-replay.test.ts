import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import type { ClassicGroup } from './classic-group.ts';
import { ClassicHarness } from './classic-test-harness.ts';
import type { JoinGroupResponse } from './classic-types.ts';

type Command =
  | { readonly kind: 'join' }
  | { readonly kind: 'sync' | 'heartbeat' | 'leave' | 'rejoin'; readonly member: number }
  | { readonly kind: 'advance'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ kind: 'join' as const }),
  fc.constant({ kind: 'join' as const }),
  fc.record({ kind: fc.constantFrom('sync' as const, 'heartbeat' as const, 'leave' as const, 'rejoin' as const), member: fc.nat(5) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 300, 1000, 2500) }),
);

/** What a GroupMetadata record carries, for comparing the live group with the one a load rebuilds. */
function persisted(group: ClassicGroup) {
  return {
    state: group.state,
    generationId: group.generationId,
    protocolType: group.protocolType(),
    protocolName: group.protocolName,
    leaderId: group.isEmpty() ? null : group.leaderId,
    members: [...group.members.values()].map((m) => [m.memberId, m.assignment.toString('hex')]).sort(),
  };
}

test('property: a classic group rebuilt from the log equals the live one whenever the live one is Stable or Empty', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (commands) => {
    const h = await ClassicHarness.create();
    const joins = new Map<string, JoinGroupResponse>();
    const known: string[] = [];
    const record = (response: JoinGroupResponse): void => {
      if (response.errorCode !== ErrorCode.NONE) return;
      joins.set(response.memberId, response);
      if (!known.includes(response.memberId)) known.push(response.memberId);
    };
    const options = { sessionTimeoutMs: 1000, rebalanceTimeoutMs: 2000 };
    for (const c of commands) {
      const memberId = c.kind === 'join' || c.kind === 'advance' || known.length === 0 ? undefined : known[c.member % known.length]!;
      if (c.kind === 'join') {
        void h.join('g', options).then((first) => {
          if (first.errorCode === ErrorCode.MEMBER_ID_REQUIRED) void h.join('g', { ...options, memberId: first.memberId }).then(record);
        });
      } else if (c.kind === 'advance') {
        await h.advance(c.ms);
      } else if (memberId !== undefined) {
        const joined = joins.get(memberId)!;
        if (c.kind === 'rejoin') void h.join('g', { ...options, memberId }).then(record);
        if (c.kind === 'heartbeat') void h.heartbeat('g', memberId, joined.generationId);
        if (c.kind === 'leave') void h.leave('g', [{ memberId, groupInstanceId: null }]).catch(() => {});
        if (c.kind === 'sync') {
          const assignments = Object.fromEntries(joined.members.map((m) => [m.memberId, Buffer.from(`to-${m.memberId}`)]));
          void h.sync('g', memberId, joined.generationId, assignments).catch(() => {});
        }
      }
      await h.settle();
    }
    // Let the last rebalance finish, so that most histories end in a state worth comparing.
    await h.advance(0);
    for (const memberId of known) {
      const joined = joins.get(memberId)!;
      if (joined.leader !== memberId) continue;
      const assignments = Object.fromEntries(joined.members.map((m) => [m.memberId, Buffer.from(`to-${m.memberId}`)]));
      await h.sync('g', memberId, joined.generationId, assignments).catch(() => {});
    }
    await h.settle();
    const live = h.shard.classic.classicGroup('g');
    if (process.env.CLASSIC_REPLAY_DEBUG) process.stderr.write(`STATE ${live?.state} ${live?.generationId} ${live?.numMembers()}\n`);
    const loaded = (h.t.replayFresh() as GroupCoordinatorShard).classic.classicGroup('g');
    if (live === undefined) {
      assert.equal(loaded, undefined);
      return;
    }
    assert.ok(loaded !== undefined);
    if (live.isInState('Stable') || live.isInState('Empty')) assert.deepEqual(persisted(loaded), persisted(live));
    else assert.ok(loaded.generationId <= live.generationId);
  }), { numRuns: 60 });
});
