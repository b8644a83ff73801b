/** Messages are browsed per topic: this page picks the topic, then opens its Messages tab. */
import { useMemo, useState } from 'preact/hooks';
import type { TopicSummary } from '../../api-types.ts';
import { Loaded } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { compareText, formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';

const COLUMNS: readonly Column<TopicSummary>[] = [
  { key: 'name', header: 'Topic', width: '3fr', render: (t) => t.name, compare: (a, b) => compareText(a.name, b.name) },
  { key: 'partitions', header: 'Partitions', width: '110px', align: 'right', render: (t) => t.partitions },
  { key: 'messages', header: 'Messages', width: '130px', align: 'right', render: (t) => formatNumber(t.messageCount), compare: (a, b) => a.messageCount - b.messageCount },
];

export function MessagesTopicPicker() {
  const [search, setSearch] = useState('');
  const topics = useApi('GET /api/topics', [{ query: { includeInternal: false } }]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (topics.data?.topics ?? []).filter((t) => needle === '' || t.name.toLowerCase().includes(needle));
  }, [topics.data, search]);
  return (
    <div class="page" data-testid="messages-page">
      <div class="page-header">
        <h1>Messages</h1>
        <span class="muted">Pick a topic to browse, tail or produce to.</span>
      </div>
      <input
        type="search"
        placeholder="Search topics (press /)"
        aria-label="Search topics"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
        data-search
        style={{ width: '320px' }}
      />
      <Loaded state={topics} what="topics">
        {() => (
          <VirtualTable
            label="Topics to browse"
            rows={shown}
            columns={COLUMNS}
            rowKey={(t) => t.name}
            onOpen={(t) => navigate({ page: 'topic', topic: t.name, tab: 'messages' })}
            height="calc(100vh - 200px)"
          />
        )}
      </Loaded>
    </div>
  );
}
