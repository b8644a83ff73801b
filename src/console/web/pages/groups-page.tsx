/** Every consumer group: state, members, topics and total lag. */
import { useMemo, useState } from 'preact/hooks';
import { Loaded } from '../components/status.tsx';
import { VirtualTable } from '../components/virtual-table.tsx';
import { formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';
import { GROUP_COLUMNS } from './topic-groups.tsx';

export function GroupsPage() {
  const [search, setSearch] = useState('');
  const groups = useApi('GET /api/groups', [], { refreshMs: 10_000 });
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (groups.data?.groups ?? []).filter((g) => needle === '' || g.groupId.toLowerCase().includes(needle) || g.topics.some((t) => t.toLowerCase().includes(needle)));
  }, [groups.data, search]);
  return (
    <div class="page" data-testid="groups-page">
      <div class="page-header">
        <h1>Consumer groups</h1>
        <span class="muted">{groups.data ? `${formatNumber(shown.length)} of ${formatNumber(groups.data.groups.length)}` : ''}</span>
        <div class="actions">
          <button type="button" onClick={() => void groups.reload()}>
            Refresh
          </button>
        </div>
      </div>
      <input
        type="search"
        placeholder="Search groups or topics (press /)"
        aria-label="Search consumer groups"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
        data-search
        style={{ width: '320px' }}
      />
      <Loaded state={groups} what="consumer groups">
        {() => (
          <VirtualTable
            label="Consumer groups"
            rows={shown}
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
