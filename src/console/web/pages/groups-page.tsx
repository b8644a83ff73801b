/** Every consumer group: state, members, topics and total lag. */
import { SearchBox, useSearch } from '../components/search.tsx';
import { Loaded } from '../components/status.tsx';
import { VirtualTable } from '../components/virtual-table.tsx';
import { formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';
import { GROUP_COLUMNS } from './topic-groups.tsx';

export function GroupsPage() {
  const groups = useApi('GET /api/groups', [], { refreshMs: 10_000 });
  const search = useSearch(groups.data?.groups, (g) => [g.groupId, ...g.topics]);
  return (
    <div class="page" data-testid="groups-page">
      <div class="page-header">
        <h1>Consumer groups</h1>
        <span class="muted">{groups.data ? `${formatNumber(search.shown.length)} of ${formatNumber(groups.data.groups.length)}` : ''}</span>
        <div class="actions">
          <button type="button" onClick={() => void groups.reload()}>
            Refresh
          </button>
        </div>
      </div>
      <SearchBox search={search} placeholder="Search groups or topics (press /)" label="Search consumer groups" />
      <Loaded state={groups} what="consumer groups">
        {() => (
          <VirtualTable
            label="Consumer groups"
            rows={search.shown}
            columns={GROUP_COLUMNS}
            rowKey={(g) => g.groupId}
            onOpen={(g) => navigate({ page: 'group', groupId: g.groupId })}
            height="calc(100vh - 200px)"
            empty="No consumer groups."
            testId="groups-table"
          />
        )}
      </Loaded>
    </div>
  );
}
