/** Every broker: address, rack, the controller, leaders, replicas and the size of its logs. */
import type { BrokerSummary } from '../../api-types.ts';
import { RowLink } from '../components/row-link.tsx';
import { Badge, Loaded } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { compareNumber, formatBytes, formatNumber } from '../format.ts';
import { navigate } from '../router.ts';
import { useApi } from '../use-api.ts';

const COLUMNS: readonly Column<BrokerSummary>[] = [
  {
    key: 'id',
    header: 'ID',
    width: '80px',
    align: 'right',
    render: (b) => <RowLink to={{ page: 'broker', brokerId: b.id }}>{b.id}</RowLink>,
    compare: (a, b) => a.id - b.id,
  },
  { key: 'host', header: 'Address', width: '2fr', render: (b) => `${b.host}:${b.port}` },
  { key: 'rack', header: 'Rack', width: '1fr', render: (b) => b.rack ?? '–' },
  { key: 'controller', header: 'Controller', width: '110px', render: (b) => (b.isController ? <Badge kind="ok">controller</Badge> : '') },
  { key: 'leaders', header: 'Leaders', width: '100px', align: 'right', render: (b) => formatNumber(b.leaderCount), compare: (a, b) => a.leaderCount - b.leaderCount },
  { key: 'replicas', header: 'Replicas', width: '100px', align: 'right', render: (b) => formatNumber(b.replicaCount), compare: (a, b) => a.replicaCount - b.replicaCount },
  { key: 'size', header: 'Log size', width: '110px', align: 'right', render: (b) => formatBytes(b.sizeBytes), compare: (a, b) => compareNumber(a.sizeBytes, b.sizeBytes) },
];

export function BrokersPage() {
  const brokers = useApi('GET /api/brokers', [], { refreshMs: 10_000 });
  return (
    <div class="page" data-testid="brokers-page">
      <div class="page-header">
        <h1>Brokers</h1>
        <span class="muted">{brokers.data ? `${brokers.data.brokers.length} broker(s)` : ''}</span>
      </div>
      <Loaded state={brokers} what="brokers">
        {(list) => (
          <VirtualTable
            label="Brokers"
            rows={list.brokers}
            columns={COLUMNS}
            rowKey={(b) => String(b.id)}
            onOpen={(b) => navigate({ page: 'broker', brokerId: b.id })}
            height={`${Math.min(16, Math.max(list.brokers.length, 2)) * 32 + 40}px`}
            testId="brokers-table"
          />
        )}
      </Loaded>
    </div>
  );
}
