/**
 * A topic's or broker's configs with where each value comes from (Kafka's ConfigSource), as
 * kafka-configs.sh --describe --all shows them. With onEdit, a row opens its editor.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ConfigEntryView, ConfigSourceName } from '../../api-types.ts';
import { compareText } from '../format.ts';
import { SearchBox, useSearch } from './search.tsx';
import { VirtualTable, type Column } from './virtual-table.tsx';

const SOURCE_LABELS: Record<ConfigSourceName, string> = {
  DYNAMIC_TOPIC_CONFIG: 'topic override',
  DYNAMIC_BROKER_LOGGER_CONFIG: 'broker logger',
  DYNAMIC_BROKER_CONFIG: 'broker (dynamic)',
  DYNAMIC_DEFAULT_BROKER_CONFIG: 'cluster default (dynamic)',
  DYNAMIC_CLIENT_METRICS_CONFIG: 'client metrics',
  DYNAMIC_GROUP_CONFIG: 'group',
  STATIC_BROKER_CONFIG: 'broker (static)',
  DEFAULT_CONFIG: 'default',
  UNKNOWN: 'unknown',
};

export function sourceLabel(source: ConfigSourceName): string {
  return SOURCE_LABELS[source];
}

function shownValue(config: ConfigEntryView): string {
  if (config.isSensitive) return '(sensitive)';
  return config.value ?? '(none)';
}

const COLUMNS: readonly Column<ConfigEntryView>[] = [
  { key: 'name', header: 'Name', width: 'minmax(220px, 2fr)', render: (c) => <span class="mono" title={c.documentation ?? undefined}>{c.name}</span>, compare: (a, b) => compareText(a.name, b.name) },
  { key: 'value', header: 'Value', width: 'minmax(160px, 2fr)', render: (c) => <span class="mono" title={shownValue(c)}>{shownValue(c)}</span> },
  {
    key: 'source',
    header: 'Source',
    width: '180px',
    render: (c) => <span class={c.isDefault ? 'muted' : undefined}>{sourceLabel(c.source)}</span>,
    compare: (a, b) => compareText(a.source, b.source),
  },
  { key: 'type', header: 'Type', width: '90px', render: (c) => <span class="muted">{c.type}</span> },
  { key: 'readOnly', header: '', width: '80px', render: (c) => (c.readOnly ? <span class="muted">read-only</span> : '') },
];

export interface ConfigTableProps {
  readonly label: string;
  readonly configs: readonly ConfigEntryView[];
  readonly onEdit?: (config: ConfigEntryView) => void;
  readonly testId?: string;
}

export function ConfigTable({ label, configs, onEdit, testId }: ConfigTableProps) {
  const [overridesOnly, setOverridesOnly] = useState(false);
  const listed = useMemo(() => (overridesOnly ? configs.filter((c) => !c.isDefault) : configs), [configs, overridesOnly]);
  const search = useSearch(listed, (c) => c.name);
  const { shown } = search;
  return (
    <div class="page" style={{ gap: '10px', minHeight: 0 }}>
      <div class="toolbar" style={{ alignItems: 'center' }}>
        <SearchBox search={search} placeholder="Filter configs (/)" label={`Filter ${label}`} style={{}} />
        <label>
          <input type="checkbox" checked={overridesOnly} onChange={(e) => setOverridesOnly(e.currentTarget.checked)} /> Only values that are not defaults
        </label>
        <span class="muted">
          {shown.length} of {configs.length}
          {onEdit ? ' · Enter or click a row to edit' : ''}
        </span>
      </div>
      <VirtualTable label={label} rows={shown} columns={COLUMNS} rowKey={(c) => c.name} onOpen={onEdit} height="55vh" testId={testId} />
    </div>
  );
}
