/**
 * Browse a topic's messages from the beginning, an offset, a timestamp or the end; filter by key,
 * value or header text; follow new ones live; look at one as text, JSON or hex; produce one.
 * Pages of up to 1,000 add to one virtualized list as the user scrolls to its end, so a
 * 100,000-message scroll stays smooth.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BrowseQuery, BrowseResponse, Message } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { useCanWrite } from '../app-context.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/status.tsx';
import { formatValue, preview, renderedToBytes, type ValueFormat } from '../components/value-format.ts';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { formatNumber, formatTimestamp } from '../format.ts';
import { MessageDetail } from './message-detail.tsx';
import { MessageQueryForm, type MessageQueryState, toBrowseQuery, INITIAL_QUERY } from './message-query-form.tsx';
import { ProduceForm } from './produce-form.tsx';
import { useTail } from './use-tail.ts';

/** The tail keeps the newest this many; older ones leave the list. */
const TAIL_LIMIT = 100_000;

const messageKey = (m: Message) => `${m.partition}-${m.offset}`;

function shown(rendered: Message['value'], format: ValueFormat): string {
  const bytes = renderedToBytes(rendered);
  if (bytes === null) return 'null';
  if (format === 'auto') return preview(bytes);
  return formatValue(bytes, format).text.replace(/\s+/g, ' ').slice(0, 200);
}

function columns(format: ValueFormat): readonly Column<Message>[] {
  return [
    { key: 'partition', header: 'Partition', width: '80px', align: 'right', render: (m) => m.partition },
    { key: 'offset', header: 'Offset', width: '100px', align: 'right', render: (m) => m.offset },
    { key: 'timestamp', header: 'Timestamp', width: '215px', render: (m) => <span class="mono">{formatTimestamp(m.timestamp)}</span> },
    { key: 'key', header: 'Key', width: 'minmax(100px, 1fr)', render: (m) => <span class="mono">{shown(m.key, format)}</span> },
    { key: 'value', header: 'Value', width: 'minmax(200px, 4fr)', render: (m) => <span class="mono">{shown(m.value, format)}</span> },
    { key: 'headers', header: 'Headers', width: '85px', align: 'right', render: (m) => m.headers.length || '' },
    { key: 'size', header: 'Size', width: '75px', align: 'right', render: (m) => formatNumber(m.sizeBytes) },
  ];
}

export function MessagesView(props: { topic: string; partitions: number | undefined; onProduced: () => void }) {
  const { topic } = props;
  const canWrite = useCanWrite();
  const [form, setForm] = useState<MessageQueryState>(INITIAL_QUERY);
  const [query, setQuery] = useState<BrowseQuery>(() => toBrowseQuery(INITIAL_QUERY));
  const [messages, setMessages] = useState<readonly Message[]>([]);
  const [page, setPage] = useState<BrowseResponse | undefined>(undefined);
  const [scanned, setScanned] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [selected, setSelected] = useState<Message | undefined>(undefined);
  const [format, setFormat] = useState<ValueFormat>('auto');
  const [tailing, setTailing] = useState(false);
  const [producing, setProducing] = useState(false);
  const [endToken, setEndToken] = useState(0);

  const load = async (browse: BrowseQuery, append: boolean) => {
    setLoading(true);
    setError(undefined);
    try {
      const answer = await api('GET /api/topics/:topic/messages', { params: { topic }, query: browse });
      setPage(answer);
      setScanned((n) => (append ? n + answer.scanned : answer.scanned));
      setMessages((old) => (append ? [...old, ...answer.messages] : answer.messages));
      // Read from the end, the list opens at its newest message (the bottom: oldest first).
      if (!append && browse.from === 'end') setEndToken((n) => n + 1);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => void load(query, false), [topic, query]);

  const tailQuery = tailing
    ? { partition: query.partition, key: query.key, value: query.value, header: query.header }
    : undefined;
  const tail = useTail(topic, tailQuery, (batch) =>
    setMessages((old) => {
      const next = [...old, ...batch];
      return next.length > TAIL_LIMIT ? next.slice(next.length - TAIL_LIMIT) : next;
    }),
  );

  const search = (state: MessageQueryState) => {
    setTailing(false);
    setSelected(undefined);
    setQuery(toBrowseQuery(state));
  };
  const more = page?.nextCursor;
  const loadMore = more && !tailing && !loading ? () => void load({ ...query, cursor: more }, true) : undefined;
  const partitionCount = props.partitions ?? 0;

  return (
    <div class="page" style={{ gap: '12px' }} data-testid="messages-view">
      <MessageQueryForm state={form} partitions={partitionCount} onChange={setForm} onSubmit={search} />
      <div class="toolbar" style={{ alignItems: 'center' }}>
        <button
          type="button"
          aria-pressed={tailing}
          class={tailing ? 'primary' : undefined}
          onClick={() => setTailing((t) => !t)}
          data-testid="live-tail"
        >
          {tailing ? '■ Stop live tail' : '▶ Live tail'}
        </button>
        {tailing ? <span class="muted" data-testid="tail-status">{tail.status === 'live' ? 'following new messages' : tail.status}</span> : null}
        <span class="muted" data-testid="message-count" aria-live="polite">
          {formatNumber(messages.length)} message(s){page ? ` · ${formatNumber(scanned)} scanned` : ''}
          {loading ? ' · loading…' : ''}
        </span>
        {more && !tailing ? (
          <button type="button" onClick={loadMore} disabled={loading}>
            Load more
          </button>
        ) : null}
        <span class="header-spacer" style={{ flex: 1 }} />
        <label>
          Show as{' '}
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as ValueFormat)} aria-label="Show keys and values as">
            <option value="auto">auto</option>
            <option value="text">text</option>
            <option value="json">JSON</option>
            <option value="hex">hex</option>
          </select>
        </label>
        {canWrite ? (
          <button type="button" class="primary" onClick={() => setProducing(true)}>
            Produce message
          </button>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} retry={() => void load(query, false)} /> : null}
      {tail.error ? <div class="error-box" role="alert">{tail.error}</div> : null}
      <VirtualTable
        label={`Messages of ${topic}`}
        rows={messages}
        columns={columns(format)}
        rowKey={messageKey}
        onOpen={setSelected}
        height={selected ? '38vh' : 'calc(100vh - 330px)'}
        followEnd={tailing}
        scrollToEndToken={endToken}
        onEndReached={loadMore}
        empty={loading ? 'Loading…' : 'No messages match.'}
        testId="messages-table"
      />
      {selected ? <MessageDetail message={selected} onClose={() => setSelected(undefined)} /> : null}
      <Dialog open={producing} title={`Produce a message to ${topic}`} onClose={() => setProducing(false)} testId="produce-dialog">
        <ProduceForm
          topic={topic}
          partitions={partitionCount}
          onCancel={() => setProducing(false)}
          onProduced={() => {
            setProducing(false);
            props.onProduced();
            if (!tailing) void load(query, false);
          }}
        />
      </Dialog>
    </div>
  );
}
