/** The consumer groups with committed offsets on one topic. */
import type { GroupSummary } from '../../api-types.ts';
import { RowLink } from '../components/row-link.tsx';
import { Loaded, StateBadge } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { compareNumber, compareText, formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';

export const GROUP_COLUMNS: readonly Column<GroupSummary>[] = [
  {
    key: 'group',
    header: 'Group',
    width: 'minmax(220px, 3fr)',
    render: (g) => <RowLink to={{ page: 'group', groupId: g.groupId }}>{g.groupId}</RowLink>,
    compare: (a, b) => compareText(a.groupId, b.groupId),
  },
  { key: 'state', header: 'State', width: '170px', render: (g) => <StateBadge state={g.state} />, compare: (a, b) => compareText(a.state, b.state) },
  { key: 'type', header: 'Type', width: '90px', render: (g) => g.type },
  { key: 'members', header: 'Members', width: '90px', align: 'right', render: (g) => g.members, compare: (a, b) => a.members - b.members },
  { key: 'topics', header: 'Topics', width: '2fr', render: (g) => g.topics.join(', ') },
  { key: 'lag', header: 'Total lag', width: '110px', align: 'right', render: (g) => formatNumber(g.totalLag), compare: (a, b) => compareNumber(a.totalLag, b.totalLag) },
];

export function TopicGroups({ topic }: { readonly topic: string }) {
  const groups = useApi('GET /api/groups', []);
  return (
    <Loaded state={groups} what="consumer groups">
      {(list) => (
        <VirtualTable
          label={`Consumer groups of ${topic}`}
          rows={list.groups.filter((g) => g.topics.includes(topic))}
          columns={GROUP_COLUMNS}
          rowKey={(g) => g.groupId}
          onOpen={(g) => navigate({ page: 'group', groupId: g.groupId })}
          height="50vh"
          empty="No group has committed offsets on this topic."
        />
      )}
    </Loaded>
  );
}
