/**
 * Finding a topic among all of them by name: the Topics page and the Messages topic picker share
 * the list, its search box and its table; each brings its own columns and the tab a row opens.
 */
import { useMemo } from 'preact/hooks';
import type { TopicList, TopicSummary } from '../../api-types.ts';
import { SearchBox, useSearch, type Search } from '../components/search.tsx';
import { Loaded } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { navigate, type TopicTab } from '../router.ts';
import { useApi, type ApiState } from '../use-api.ts';

export interface TopicSearch {
  readonly topics: ApiState<TopicList>;
  readonly search: Search<TopicSummary>;
}

export function useTopicSearch(showInternal: boolean): TopicSearch {
  // Every topic once, internal ones too: the search and the internal topics switch filter in the browser.
  const topics = useApi('GET /api/topics', [{ query: { includeInternal: true } }]);
  const listed = useMemo(() => topics.data?.topics.filter((t) => showInternal || !t.internal), [topics.data, showInternal]);
  return { topics, search: useSearch(listed, (t) => t.name) };
}

export function TopicSearchBox({ list }: { readonly list: TopicSearch }) {
  return <SearchBox search={list.search} placeholder="Search topics (press /)" label="Search topics" />;
}

export function TopicTable(props: {
  readonly list: TopicSearch;
  readonly label: string;
  readonly columns: readonly Column<TopicSummary>[];
  readonly tab: TopicTab;
  readonly empty?: string;
  readonly testId?: string;
}) {
  return (
    <Loaded state={props.list.topics} what="topics">
      {() => (
        <VirtualTable
          label={props.label}
          rows={props.list.search.shown}
          columns={props.columns}
          rowKey={(t) => t.name}
          onOpen={(t) => navigate({ page: 'topic', topic: t.name, tab: props.tab })}
          height="calc(100vh - 200px)"
          empty={props.empty}
          testId={props.testId}
        />
      )}
    </Loaded>
  );
}
