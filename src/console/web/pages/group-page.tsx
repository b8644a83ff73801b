/**
 * One consumer group: state, members with their partitions, lag per partition and in total as a
 * chart over time; reset its offsets as `consumer-groups --reset-offsets` does; delete it.
 */
import { useState } from 'preact/hooks';
import type { GroupMember, GroupPartitionOffset } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { useAppContext, useCanWrite } from '../app-context.ts';
import { BreadcrumbTitle } from '../components/breadcrumb-title.tsx';
import { Chart } from '../components/chart.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { RowLink } from '../components/row-link.tsx';
import { Loaded, StateBadge } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { compareNumber, compareText, formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';
import { ResetOffsetsDialog } from './reset-offsets-dialog.tsx';

const MEMBER_COLUMNS: readonly Column<GroupMember>[] = [
  { key: 'member', header: 'Member', width: 'minmax(200px, 2fr)', render: (m) => <span class="mono">{m.memberId}</span> },
  { key: 'client', header: 'Client ID', width: '1fr', render: (m) => m.clientId },
  { key: 'host', header: 'Host', width: '1fr', render: (m) => m.host },
  { key: 'assignment', header: 'Partitions', width: '2fr', render: (m) => m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', ') || '–' },
];

const OFFSET_COLUMNS: readonly Column<GroupPartitionOffset>[] = [
  {
    key: 'topic',
    header: 'Topic',
    width: 'minmax(160px, 2fr)',
    render: (o) => <RowLink to={{ page: 'topic', topic: o.topic, tab: 'partitions' }}>{o.topic}</RowLink>,
    compare: (a, b) => compareText(a.topic, b.topic) || a.partition - b.partition,
  },
  { key: 'partition', header: 'Partition', width: '90px', align: 'right', render: (o) => o.partition },
  { key: 'committed', header: 'Committed', width: '120px', align: 'right', render: (o) => formatNumber(o.committedOffset) },
  { key: 'end', header: 'End offset', width: '120px', align: 'right', render: (o) => formatNumber(o.endOffset) },
  { key: 'lag', header: 'Lag', width: '100px', align: 'right', render: (o) => formatNumber(o.lag), compare: (a, b) => compareNumber(a.lag, b.lag) },
  { key: 'client', header: 'Consumer', width: '1fr', render: (o) => o.clientId ?? '–' },
];

export function GroupPage({ groupId }: { readonly groupId: string }) {
  const { theme } = useAppContext();
  const canWrite = useCanWrite();
  const notify = useNotify();
  const detail = useApi('GET /api/groups/:group', [{ params: { group: groupId } }], { refreshMs: 5000 });
  const history = useApi('GET /api/groups/:group/lag-history', [{ params: { group: groupId } }], { refreshMs: 5000 });
  const [resetting, setResetting] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const deleteGroup = async () => {
    await api('DELETE /api/groups/:group', { params: { group: groupId } });
    notify(`Group ${groupId} deleted`);
    navigate({ page: 'groups' });
  };
  const empty = detail.data !== undefined && detail.data.members.length === 0;
  const samples = history.data?.samples ?? [];

  return (
    <div class="page" data-testid="group-page">
      <div class="page-header">
        <BreadcrumbTitle parent={{ page: 'groups' }} parentLabel="Consumer groups">
          {groupId}
        </BreadcrumbTitle>
        {detail.data ? <StateBadge state={detail.data.state} /> : null}
        <div class="actions">
          {canWrite && detail.data ? (
            <>
              <button type="button" onClick={() => setResetting(true)} title={empty ? undefined : 'The group must have no members to commit a reset'}>
                Reset offsets
              </button>
              <button type="button" class="danger" onClick={() => setDeleting(true)}>
                Delete group
              </button>
            </>
          ) : null}
        </div>
      </div>
      <Loaded state={detail} what="the group">
        {(g) => (
          <>
            <div class="cards">
              <div class="card" data-testid="group-total-lag">
                <div class="label">Total lag</div>
                <div class="value">{formatNumber(g.totalLag)}</div>
              </div>
              <div class="card">
                <div class="label">Members</div>
                <div class="value">{g.members.length}</div>
              </div>
              <div class="card">
                <div class="label">Coordinator</div>
                <div class="value">{g.coordinator ? g.coordinator.id : '–'}</div>
              </div>
              <div class="card">
                <div class="label">Protocol</div>
                <div class="value" style={{ fontSize: '16px' }}>
                  {g.type} · {g.protocol || '–'}
                </div>
              </div>
            </div>
            <div class="panel">
              <Chart
                title="Total lag over time"
                series={['total lag']}
                times={samples.map((s) => s.timestampMs)}
                values={[samples.map((s) => s.totalLag)]}
                theme={theme}
                height={180}
                testId="lag-chart"
              />
            </div>
            <section>
              <h2 style={{ fontSize: '15px' }}>Lag by partition</h2>
              <VirtualTable
                label="Offsets and lag"
                rows={g.offsets}
                columns={OFFSET_COLUMNS}
                rowKey={(o) => `${o.topic}-${o.partition}`}
                height={`${Math.min(12, Math.max(g.offsets.length, 2)) * 32 + 40}px`}
                empty="No committed offsets."
                testId="group-offsets"
              />
            </section>
            <section>
              <h2 style={{ fontSize: '15px' }}>Members</h2>
              <VirtualTable
                label="Members"
                rows={g.members}
                columns={MEMBER_COLUMNS}
                rowKey={(m) => m.memberId}
                height={`${Math.min(8, Math.max(g.members.length, 2)) * 32 + 40}px`}
                empty="No members: the group is empty."
                testId="group-members"
              />
            </section>
          </>
        )}
      </Loaded>
      {detail.data ? (
        <ResetOffsetsDialog
          open={resetting}
          group={detail.data}
          onClose={() => setResetting(false)}
          onDone={() => {
            setResetting(false);
            void detail.reload();
            void history.reload();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deleting}
        title={`Delete group ${groupId}?`}
        message={<p>The group's committed offsets are deleted. The group must have no members.</p>}
        confirmLabel="Delete group"
        danger
        onConfirm={deleteGroup}
        onClose={() => setDeleting(false)}
      />
    </div>
  );
}
