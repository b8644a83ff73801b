/** Every topic with its partitions, message count and size; search, and create a topic. */
import { useState } from 'preact/hooks';
import type { TopicSummary } from '../../api-types.ts';
import { useCanWrite } from '../app-context.ts';
import { RowLink } from '../components/row-link.tsx';
import { Badge } from '../components/status.tsx';
import type { Column } from '../components/virtual-table.tsx';
import { compareNumber, compareText, formatBytes, formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { CreateTopicDialog } from './create-topic-dialog.tsx';
import { TopicSearchBox, TopicTable, useTopicSearch } from './topic-search.tsx';

const COLUMNS: readonly Column<TopicSummary>[] = [
  {
    key: 'name',
    header: 'Topic',
    width: 'minmax(240px, 3fr)',
    render: (t) => <RowLink to={{ page: 'topic', topic: t.name, tab: 'partitions' }}>{t.name}</RowLink>,
    compare: (a, b) => compareText(a.name, b.name),
  },
  { key: 'partitions', header: 'Partitions', width: '100px', align: 'right', render: (t) => formatNumber(t.partitions), compare: (a, b) => a.partitions - b.partitions },
  { key: 'rf', header: 'Replicas', width: '90px', align: 'right', render: (t) => t.replicationFactor, compare: (a, b) => a.replicationFactor - b.replicationFactor },
  { key: 'messages', header: 'Messages', width: '120px', align: 'right', render: (t) => formatNumber(t.messageCount), compare: (a, b) => a.messageCount - b.messageCount },
  { key: 'size', header: 'Size', width: '100px', align: 'right', render: (t) => formatBytes(t.sizeBytes), compare: (a, b) => compareNumber(a.sizeBytes, b.sizeBytes) },
  {
    key: 'health',
    header: 'Health',
    width: '160px',
    render: (t) =>
      t.offlinePartitions > 0 ? (
        <Badge kind="bad">{t.offlinePartitions} offline</Badge>
      ) : t.underReplicatedPartitions > 0 ? (
        <Badge kind="warn">{t.underReplicatedPartitions} under-replicated</Badge>
      ) : (
        <Badge kind="ok">ok</Badge>
      ),
    compare: (a, b) => a.offlinePartitions * 1e6 + a.underReplicatedPartitions - (b.offlinePartitions * 1e6 + b.underReplicatedPartitions),
  },
  { key: 'internal', header: '', width: '80px', render: (t) => (t.internal ? <span class="muted">internal</span> : '') },
];

export function TopicsPage() {
  const [showInternal, setShowInternal] = useState(false);
  const [creating, setCreating] = useState(false);
  const canWrite = useCanWrite();
  const list = useTopicSearch(showInternal);
  const { topics, search } = list;

  return (
    <div class="page" data-testid="topics-page">
      <div class="page-header">
        <h1>Topics</h1>
        <span class="muted" data-testid="topic-count">
          {topics.data ? `${formatNumber(search.shown.length)} of ${formatNumber(topics.data.topics.length)}` : ''}
        </span>
        <div class="actions">
          <button type="button" onClick={() => void topics.reload()}>
            Refresh
          </button>
          {canWrite ? (
            <button type="button" class="primary" onClick={() => setCreating(true)}>
              Create topic
            </button>
          ) : null}
        </div>
      </div>
      <div class="toolbar" style={{ alignItems: 'center' }}>
        <TopicSearchBox list={list} />
        <label>
          <input type="checkbox" checked={showInternal} onChange={(e) => setShowInternal(e.currentTarget.checked)} /> Internal topics
        </label>
      </div>
      <TopicTable
        list={list}
        label="Topics"
        columns={COLUMNS}
        tab="partitions"
        empty={search.search ? `No topic matches "${search.search}".` : 'No topics yet.'}
        testId="topics-table"
      />
      <CreateTopicDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(name) => {
          setCreating(false);
          navigate({ page: 'topic', topic: name, tab: 'partitions' });
        }}
      />
    </div>
  );
}
