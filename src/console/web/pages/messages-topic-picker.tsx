/** Messages are browsed per topic: this page picks the topic, then opens its Messages tab. */
import type { TopicSummary } from '../../api-types.ts';
import type { Column } from '../components/virtual-table.tsx';
import { compareText, formatNumber } from '../format.ts';
import { TopicSearchBox, TopicTable, useTopicSearch } from './topic-search.tsx';

const COLUMNS: readonly Column<TopicSummary>[] = [
  { key: 'name', header: 'Topic', width: '3fr', render: (t) => t.name, compare: (a, b) => compareText(a.name, b.name) },
  { key: 'partitions', header: 'Partitions', width: '110px', align: 'right', render: (t) => t.partitions },
  { key: 'messages', header: 'Messages', width: '130px', align: 'right', render: (t) => formatNumber(t.messageCount), compare: (a, b) => a.messageCount - b.messageCount },
];

export function MessagesTopicPicker() {
  const list = useTopicSearch(false);
  return (
    <div class="page" data-testid="messages-page">
      <div class="page-header">
        <h1>Messages</h1>
        <span class="muted">Pick a topic to browse, tail or produce to.</span>
      </div>
      <TopicSearchBox list={list} />
      <TopicTable list={list} label="Topics to browse" columns={COLUMNS} tab="messages" />
    </div>
  );
}
