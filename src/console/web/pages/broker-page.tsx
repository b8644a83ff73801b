/** One broker: its log dirs (volume, size, partitions) and its configs with their sources. */
import { useState } from 'preact/hooks';
import type { LogDirView } from '../../api-types.ts';
import { BreadcrumbTitle } from '../components/breadcrumb-title.tsx';
import { ConfigTable } from '../components/config-table.tsx';
import { SearchBox, useSearch } from '../components/search.tsx';
import { Badge, Loaded } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { compareText, formatBytes, formatNumber } from '../format.ts';
import { href } from '../router.ts';
import { useApi } from '../use-api.ts';

type DirPartition = LogDirView['partitions'][number];

const PARTITION_COLUMNS: readonly Column<DirPartition>[] = [
  { key: 'partition', header: 'Partition', width: '3fr', render: (p) => `${p.topic}-${p.partition}`, compare: (a, b) => compareText(a.topic, b.topic) || a.partition - b.partition },
  { key: 'size', header: 'Size', width: '120px', align: 'right', render: (p) => formatBytes(p.sizeBytes), compare: (a, b) => a.sizeBytes - b.sizeBytes },
  { key: 'lag', header: 'Offset lag', width: '110px', align: 'right', render: (p) => formatNumber(p.offsetLag) },
  { key: 'future', header: '', width: '90px', render: (p) => (p.isFuture ? <Badge kind="warn">moving</Badge> : '') },
];

function LogDir({ dir }: { readonly dir: LogDirView }) {
  const search = useSearch(dir.partitions, (p) => `${p.topic}-${p.partition}`);
  const { shown } = search;
  const used = dir.totalBytes > 0 ? ` · volume ${formatBytes(dir.totalBytes - dir.usableBytes)} used of ${formatBytes(dir.totalBytes)}` : '';
  return (
    <section class="panel" data-testid="log-dir">
      <h2>
        <span class="mono">{dir.path}</span> {dir.error ? <Badge kind="bad">{dir.error}</Badge> : null}
      </h2>
      <p class="muted" style={{ marginTop: 0 }}>
        {formatBytes(dir.sizeBytes)} in {formatNumber(dir.partitions.length)} partition(s){used}
      </p>
      <SearchBox search={search} placeholder="Filter partitions (/)" label={`Filter partitions in ${dir.path}`} style={{ width: '280px', marginBottom: '8px' }} />
      <VirtualTable
        label={`Partitions in ${dir.path}`}
        rows={shown}
        columns={PARTITION_COLUMNS}
        rowKey={(p) => `${p.topic}-${p.partition}-${p.isFuture}`}
        height={`${Math.min(10, Math.max(shown.length, 2)) * 32 + 40}px`}
      />
    </section>
  );
}

export function BrokerPage({ brokerId }: { readonly brokerId: number }) {
  const detail = useApi('GET /api/brokers/:brokerId', [{ params: { brokerId: String(brokerId) } }]);
  const [tab, setTab] = useState<'logs' | 'configs'>('logs');
  return (
    <div class="page" data-testid="broker-page">
      <div class="page-header">
        <BreadcrumbTitle parent={{ page: 'brokers' }} parentLabel="Brokers">
          Broker {brokerId}
        </BreadcrumbTitle>
        {detail.data ? (
          <span class="muted">
            {detail.data.host}:{detail.data.port}
            {detail.data.rack ? ` · rack ${detail.data.rack}` : ''} · {formatNumber(detail.data.leaderCount)} leaders ·{' '}
            {formatNumber(detail.data.replicaCount)} replicas {detail.data.isController ? <Badge kind="ok">controller</Badge> : null}
          </span>
        ) : null}
      </div>
      <div class="tabs" role="tablist" aria-label="Broker">
        {(['logs', 'configs'] as const).map((t) => (
          <a
            key={t}
            href={href({ page: 'broker', brokerId })}
            role="tab"
            aria-selected={tab === t}
            aria-current={tab === t ? 'page' : undefined}
            onClick={(e) => (e.preventDefault(), setTab(t))}
          >
            {t === 'logs' ? 'Log dirs' : 'Configs'}
          </a>
        ))}
      </div>
      <Loaded state={detail} what="the broker">
        {(b) =>
          tab === 'configs' ? (
            <ConfigTable label={`Configs of broker ${brokerId}`} configs={b.configs} testId="broker-configs" />
          ) : (
            <>
              {b.logDirs.map((dir) => (
                <LogDir key={dir.path} dir={dir} />
              ))}
            </>
          )
        }
      </Loaded>
    </div>
  );
}
