/**
 * One topic: its partitions (leader, replicas, ISR, offsets, sizes), its configs with their sources,
 * its messages, and the groups that read it. Add partitions, edit configs, delete.
 */
import { useState } from 'preact/hooks';
import type { PartitionDetail } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { useCanWrite } from '../app-context.ts';
import { BreadcrumbTitle } from '../components/breadcrumb-title.tsx';
import { ConfigTable } from '../components/config-table.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { Badge, Loaded } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { formatBytes, formatNumber } from '../format.ts';
import { href, navigate, type TopicTab } from '../router.ts';
import { useApi } from '../use-api.ts';
import { MessagesView } from './messages-view.tsx';
import { AddPartitionsDialog, EditConfigDialog } from './topic-dialogs.tsx';
import { TopicGroups } from './topic-groups.tsx';
import type { ConfigEntryView } from '../../api-types.ts';

const ids = (list: readonly number[]) => list.join(', ');

const PARTITION_COLUMNS: readonly Column<PartitionDetail>[] = [
  { key: 'partition', header: 'Partition', width: '90px', align: 'right', render: (p) => p.partition, compare: (a, b) => a.partition - b.partition },
  { key: 'leader', header: 'Leader', width: '80px', align: 'right', render: (p) => (p.leader < 0 ? <Badge kind="bad">none</Badge> : p.leader), compare: (a, b) => a.leader - b.leader },
  { key: 'epoch', header: 'Epoch', width: '70px', align: 'right', render: (p) => p.leaderEpoch },
  { key: 'replicas', header: 'Replicas', width: '1fr', render: (p) => ids(p.replicas) },
  {
    key: 'isr',
    header: 'ISR',
    width: '1fr',
    render: (p) => (p.underReplicated ? <Badge kind="warn">{ids(p.isr)}</Badge> : ids(p.isr)),
  },
  { key: 'start', header: 'Start offset', width: '120px', align: 'right', render: (p) => formatNumber(p.startOffset) },
  { key: 'end', header: 'End offset', width: '120px', align: 'right', render: (p) => formatNumber(p.endOffset), compare: (a, b) => a.endOffset - b.endOffset },
  { key: 'messages', header: 'Messages', width: '110px', align: 'right', render: (p) => formatNumber(p.messageCount), compare: (a, b) => a.messageCount - b.messageCount },
  { key: 'size', header: 'Size', width: '100px', align: 'right', render: (p) => formatBytes(p.sizeBytes), compare: (a, b) => (a.sizeBytes ?? 0) - (b.sizeBytes ?? 0) },
];

const TABS: ReadonlyArray<{ tab: TopicTab; label: string }> = [
  { tab: 'partitions', label: 'Partitions' },
  { tab: 'configs', label: 'Configs' },
  { tab: 'messages', label: 'Messages' },
  { tab: 'groups', label: 'Consumer groups' },
];

export function TopicPage({ topic, tab }: { readonly topic: string; readonly tab: TopicTab }) {
  const detail = useApi('GET /api/topics/:topic', [{ params: { topic } }]);
  const canWrite = useCanWrite();
  const notify = useNotify();
  const [deleting, setDeleting] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<ConfigEntryView | undefined>(undefined);

  const deleteTopic = async () => {
    await api('DELETE /api/topics/:topic', { params: { topic } });
    notify(`Topic ${topic} deleted`);
    navigate({ page: 'topics' });
  };

  return (
    <div class="page" data-testid="topic-page">
      <div class="page-header">
        <BreadcrumbTitle parent={{ page: 'topics' }} parentLabel="Topics">
          {topic}
        </BreadcrumbTitle>
        {detail.data ? (
          <span class="muted" data-testid="topic-summary">
            {formatNumber(detail.data.partitions)} partition{detail.data.partitions === 1 ? '' : 's'} · replication factor {detail.data.replicationFactor} ·{' '}
            <span data-testid="topic-message-count">{formatNumber(detail.data.messageCount)}</span> messages · {formatBytes(detail.data.sizeBytes)}
          </span>
        ) : null}
        <div class="actions">
          <button type="button" onClick={() => void detail.reload()}>
            Refresh
          </button>
          {canWrite && detail.data ? (
            <>
              <button type="button" onClick={() => setAdding(true)}>
                Add partitions
              </button>
              <button type="button" class="danger" onClick={() => setDeleting(true)}>
                Delete topic
              </button>
            </>
          ) : null}
        </div>
      </div>
      <nav class="tabs" aria-label="Topic">
        {TABS.map((t) => (
          <a key={t.tab} href={href({ page: 'topic', topic, tab: t.tab })} aria-current={t.tab === tab ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {tab === 'messages' ? (
        <MessagesView topic={topic} partitions={detail.data?.partitions} onProduced={() => void detail.reload()} />
      ) : tab === 'groups' ? (
        <TopicGroups topic={topic} />
      ) : (
        <Loaded state={detail} what="the topic">
          {(d) =>
            tab === 'configs' ? (
              <ConfigTable label={`Configs of ${topic}`} configs={d.configs} onEdit={canWrite ? setEditing : undefined} testId="topic-configs" />
            ) : (
              <VirtualTable
                label={`Partitions of ${topic}`}
                rows={d.partitionDetails}
                columns={PARTITION_COLUMNS}
                rowKey={(p) => String(p.partition)}
                height="calc(100vh - 230px)"
                testId="partitions-table"
              />
            )
          }
        </Loaded>
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete topic ${topic}?`}
        message={
          <p>
            Every partition of <strong>{topic}</strong> and all of its {formatNumber(detail.data?.messageCount ?? 0)} messages are deleted. This
            cannot be undone.
          </p>
        }
        confirmLabel="Delete topic"
        danger
        onConfirm={deleteTopic}
        onClose={() => setDeleting(false)}
      />
      {detail.data ? (
        <AddPartitionsDialog
          open={adding}
          topic={topic}
          current={detail.data.partitions}
          onClose={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            void detail.reload();
          }}
        />
      ) : null}
      <EditConfigDialog
        topic={topic}
        config={editing}
        onClose={() => setEditing(undefined)}
        onDone={() => {
          setEditing(undefined);
          void detail.reload();
        }}
      />
    </div>
  );
}
