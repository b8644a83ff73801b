/**
 * The cluster at a glance: brokers and the controller, topic and partition counts, under-replicated
 * and offline partitions, and bytes and messages in and out as live charts (when the console reads
 * the brokers' /metrics).
 */
import { useAppContext } from '../app-context.ts';
import { Chart } from '../components/chart.tsx';
import { Loaded } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { formatBytes, formatNumber, formatRate } from '../format.ts';
import { href, navigate } from '../router.ts';
import { useApi } from '../use-api.ts';
import type { ClusterOverview, RateHistory } from '../../api-types.ts';

type OverviewBroker = ClusterOverview['brokers'][number];

const BROKER_COLUMNS: readonly Column<OverviewBroker>[] = [
  { key: 'id', header: 'ID', width: '80px', render: (b) => <a href={href({ page: 'broker', brokerId: b.id })}>{b.id}</a> },
  { key: 'host', header: 'Host', width: '2fr', render: (b) => `${b.host}:${b.port}` },
  { key: 'rack', header: 'Rack', render: (b) => b.rack ?? '–' },
  { key: 'controller', header: 'Role', render: (b) => (b.isController ? 'controller' : '') },
];

function Card({ label, value, bad, testId }: { label: string; value: string; bad?: boolean; testId: string }) {
  return (
    <div class="card" data-testid={testId}>
      <div class="label">{label}</div>
      <div class={`value${bad ? ' bad' : ''}`}>{value}</div>
    </div>
  );
}

function RateCharts({ history }: { history: RateHistory }) {
  const { theme } = useAppContext();
  if (!history.metrics) {
    return (
      <div class="notice">
        Rates need the brokers' Prometheus metrics: start the console with <code>--metrics-url</code> (each broker's{' '}
        <code>metrics.listener</code>).
      </div>
    );
  }
  const times = history.samples.map((s) => s.timestampMs);
  return (
    <div class="grid-2">
      <div class="panel">
        <Chart
          title="Bytes in and out per second"
          series={['in', 'out']}
          times={times}
          values={[history.samples.map((s) => s.bytesInPerSec), history.samples.map((s) => s.bytesOutPerSec)]}
          theme={theme}
          format={(v) => formatRate(v, 'bytes')}
          testId="chart-bytes"
        />
      </div>
      <div class="panel">
        <Chart
          title="Messages in per second"
          series={['messages in']}
          times={times}
          values={[history.samples.map((s) => s.messagesInPerSec)]}
          theme={theme}
          format={(v) => formatRate(v, 'messages')}
          testId="chart-messages"
        />
      </div>
      {history.errors.length > 0 ? (
        <div class="error-box">
          Scrapes failing: {history.errors.map((e) => `${e.url}: ${e.message}`).join('; ')}
        </div>
      ) : null}
    </div>
  );
}

export function OverviewPage() {
  const cluster = useApi('GET /api/cluster', [], { refreshMs: 5000 });
  const rates = useApi('GET /api/metrics/rates', [], { refreshMs: 5000 });
  return (
    <div class="page" data-testid="overview-page">
      <div class="page-header">
        <h1>Overview</h1>
      </div>
      <Loaded state={cluster} what="the cluster">
        {(c) => (
          <>
            <div class="cards">
              <Card label="Brokers" value={formatNumber(c.brokers.length)} testId="card-brokers" />
              <Card label="Controller" value={c.controllerId < 0 ? 'none' : String(c.controllerId)} bad={c.controllerId < 0} testId="card-controller" />
              <Card label="Topics" value={formatNumber(c.topicCount)} testId="card-topics" />
              <Card label="Partitions" value={formatNumber(c.partitionCount)} testId="card-partitions" />
              <Card label="Under-replicated" value={formatNumber(c.underReplicatedPartitions)} bad={c.underReplicatedPartitions > 0} testId="card-under-replicated" />
              <Card label="Offline" value={formatNumber(c.offlinePartitions)} bad={c.offlinePartitions > 0} testId="card-offline" />
              {c.rates ? <Card label="Bytes in" value={`${formatBytes(Math.round(c.rates.bytesInPerSec))}/s`} testId="card-bytes-in" /> : null}
              {c.rates ? <Card label="Bytes out" value={`${formatBytes(Math.round(c.rates.bytesOutPerSec))}/s`} testId="card-bytes-out" /> : null}
            </div>
            <section class="panel">
              <h2>Brokers</h2>
              <VirtualTable
                label="Brokers"
                rows={c.brokers}
                columns={BROKER_COLUMNS}
                rowKey={(b) => String(b.id)}
                onOpen={(b) => navigate({ page: 'broker', brokerId: b.id })}
                height={`${Math.min(8, c.brokers.length) * 32 + 40}px`}
              />
            </section>
          </>
        )}
      </Loaded>
      <Loaded state={rates} what="rates">
        {(history) => <RateCharts history={history} />}
      </Loaded>
    </div>
  );
}
