/** Where to read a topic from, how many, and the key, value and header filters. */
import type { BrowseFrom, BrowseQuery } from '../../api-types.ts';
import { check, integer } from '../components/form.tsx';
import { SelectField, type SelectOption } from '../components/select-field.tsx';

export interface MessageQueryState {
  readonly partition: string; // '' = all
  readonly from: BrowseFrom;
  readonly offset: string;
  /** A datetime-local value, the browser's local time. */
  readonly timestamp: string;
  readonly limit: string;
  readonly key: string;
  readonly value: string;
  readonly header: string;
}

export const INITIAL_QUERY: MessageQueryState = {
  partition: '',
  from: 'end',
  offset: '0',
  timestamp: '',
  limit: '100',
  key: '',
  value: '',
  header: '',
};

const OFFSET_RULES = [integer(0)];
const FROM_OPTIONS: readonly SelectOption<BrowseFrom>[] = [
  { value: 'end', label: 'The end (newest)' },
  { value: 'beginning', label: 'The beginning' },
  { value: 'offset', label: 'An offset' },
  { value: 'timestamp', label: 'A timestamp' },
];
const LIMITS = ['50', '100', '500', '1000'];

export function toBrowseQuery(state: MessageQueryState): BrowseQuery {
  const text = (s: string) => (s === '' ? undefined : s);
  return {
    partition: state.partition === '' ? undefined : Number(state.partition),
    from: state.from,
    offset: state.from === 'offset' ? Number(state.offset || '0') : undefined,
    timestamp: state.from === 'timestamp' && state.timestamp !== '' ? new Date(state.timestamp).getTime() : undefined,
    limit: Number(state.limit),
    key: text(state.key),
    value: text(state.value),
    header: text(state.header),
  };
}

export function MessageQueryForm(props: {
  state: MessageQueryState;
  partitions: number;
  onChange: (state: MessageQueryState) => void;
  onSubmit: (state: MessageQueryState) => void;
}) {
  const { state } = props;
  const set = (patch: Partial<MessageQueryState>) => props.onChange({ ...state, ...patch });
  const offsetError = state.from === 'offset' ? check(state.offset, OFFSET_RULES) : undefined;
  const timestampError = state.from === 'timestamp' && state.timestamp === '' ? 'Pick a date and time' : undefined;
  const submit = (event: Event) => {
    event.preventDefault();
    if (offsetError === undefined && timestampError === undefined) props.onSubmit(state);
  };
  return (
    <form class="toolbar" onSubmit={submit} data-testid="message-query" aria-label="Which messages">
      <SelectField
        id="mq-partition"
        label="Partition"
        value={state.partition}
        options={[{ value: '', label: 'All' }, ...Array.from({ length: props.partitions }, (_, p) => String(p))]}
        onChange={(partition) => set({ partition })}
      />
      <SelectField id="mq-from" label="From" value={state.from} options={FROM_OPTIONS} onChange={(from) => set({ from })} />
      {state.from === 'offset' ? (
        <div class="field">
          <label for="mq-offset">Offset</label>
          <input
            id="mq-offset"
            type="text"
            inputMode="numeric"
            value={state.offset}
            aria-invalid={offsetError !== undefined}
            onInput={(e) => set({ offset: e.currentTarget.value })}
            style={{ width: '110px' }}
          />
          {offsetError ? <span class="field-error">{offsetError}</span> : null}
        </div>
      ) : null}
      {state.from === 'timestamp' ? (
        <div class="field">
          <label for="mq-timestamp">Timestamp (local time)</label>
          <input id="mq-timestamp" type="datetime-local" step="1" value={state.timestamp} onInput={(e) => set({ timestamp: e.currentTarget.value })} />
          {timestampError ? <span class="field-error">{timestampError}</span> : null}
        </div>
      ) : null}
      <SelectField id="mq-limit" label="Messages" value={state.limit} options={LIMITS} onChange={(limit) => set({ limit })} />
      <div class="field">
        <label for="mq-key">Key contains</label>
        <input id="mq-key" type="search" value={state.key} onInput={(e) => set({ key: e.currentTarget.value })} style={{ width: '140px' }} />
      </div>
      <div class="field">
        <label for="mq-value">Value contains</label>
        <input id="mq-value" type="search" value={state.value} onInput={(e) => set({ value: e.currentTarget.value })} data-search style={{ width: '180px' }} />
      </div>
      <div class="field">
        <label for="mq-header">Header (text or name=text)</label>
        <input id="mq-header" type="search" value={state.header} onInput={(e) => set({ header: e.currentTarget.value })} style={{ width: '160px' }} />
      </div>
      <button type="submit" class="primary">
        Load
      </button>
    </form>
  );
}
