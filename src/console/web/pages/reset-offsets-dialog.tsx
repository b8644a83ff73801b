/**
 * Reset a group's offsets as `consumer-groups --reset-offsets` does: pick the topics and a
 * strategy, preview (--dry-run), then execute (the group must be empty, as Kafka's tool requires).
 */
import { useEffect, useState } from 'preact/hooks';
import type { GroupDetail, ResetOffsetsRequest, ResetOffsetsResponse, ResetStrategy } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { Dialog } from '../components/dialog.tsx';
import { check, Field, integer, required, type Rule } from '../components/form.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { SelectField, type SelectOption } from '../components/select-field.tsx';
import { useNotify } from '../components/toasts.tsx';
import { useAction } from '../components/use-action.ts';
import { formatNumber } from '../format.ts';

type StrategyType = ResetStrategy['type'];

const STRATEGIES: readonly SelectOption<StrategyType>[] = [
  { value: 'to-earliest', label: 'To earliest' },
  { value: 'to-latest', label: 'To latest' },
  { value: 'to-current', label: 'To current' },
  { value: 'to-offset', label: 'To offset' },
  { value: 'shift-by', label: 'Shift by' },
  { value: 'to-datetime', label: 'To date and time' },
  { value: 'by-duration', label: 'By duration (back from now)' },
];

const duration: Rule = (v) => (/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(v.trim()) ? undefined : 'An ISO-8601 duration such as PT1H or P1DT2H');

function argumentRules(type: StrategyType): readonly Rule[] {
  switch (type) {
    case 'to-offset':
      return [required, integer(0)];
    case 'shift-by':
      return [required, integer(Number.MIN_SAFE_INTEGER)];
    case 'to-datetime':
      return [required];
    case 'by-duration':
      return [required, duration];
    default:
      return [];
  }
}

function strategyOf(type: StrategyType, argument: string): ResetStrategy {
  switch (type) {
    case 'to-offset':
      return { type, offset: Number(argument) };
    case 'shift-by':
      return { type, shift: Number(argument) };
    case 'to-datetime':
      // datetime-local is the browser's local time; the API takes ISO-8601 with its zone.
      return { type, datetime: new Date(argument).toISOString() };
    case 'by-duration':
      return { type, duration: argument.trim() };
    default:
      return { type };
  }
}

export function ResetOffsetsDialog(props: { open: boolean; group: GroupDetail; onClose: () => void; onDone: () => void }) {
  const notify = useNotify();
  const topics = [...new Set(props.group.offsets.map((o) => o.topic))].sort();
  const [topic, setTopic] = useState(''); // '' = all topics
  const [type, setType] = useState<StrategyType>('to-earliest');
  const [argument, setArgument] = useState('');
  const [preview, setPreview] = useState<ResetOffsetsResponse | undefined>(undefined);

  const rules = argumentRules(type);
  const argumentError = check(argument, rules);

  const reset = useAction(async (dryRun: boolean) => {
    const request: ResetOffsetsRequest = {
      ...(topic === '' ? { allTopics: true } : { topics: [{ topic }] }),
      strategy: strategyOf(type, argument),
      dryRun,
    };
    const answer = await api('POST /api/groups/:group/reset-offsets', { params: { group: props.group.groupId }, body: request });
    if (dryRun) {
      setPreview(answer);
    } else {
      notify(`Offsets of ${props.group.groupId} reset on ${answer.offsets.length} partition(s)`);
      props.onDone();
    }
  });
  const run = (dryRun: boolean) => {
    if (argumentError === undefined) void reset.run(dryRun);
  };

  useEffect(() => {
    if (!props.open) return;
    setPreview(undefined);
    reset.clearError();
  }, [props.open]);
  useEffect(() => setPreview(undefined), [topic, type, argument]);

  return (
    <Dialog open={props.open} title={`Reset offsets of ${props.group.groupId}`} onClose={props.onClose} testId="reset-offsets-dialog">
      <div class="form">
        {props.group.members.length > 0 ? (
          <div class="notice">
            The group has {props.group.members.length} member(s): a preview works, a reset needs the group empty (stop its consumers first).
          </div>
        ) : null}
        <div class="form-row">
          <SelectField id="reset-topic" label="Topics" value={topic} options={[{ value: '', label: 'All topics of the group' }, ...topics]} onChange={setTopic} />
          <SelectField id="reset-strategy" label="Strategy" value={type} options={STRATEGIES} onChange={setType} />
          {type === 'to-datetime' ? (
            <div class="field">
              <label for="reset-argument">Date and time (local)</label>
              <input id="reset-argument" type="datetime-local" step="1" value={argument} onInput={(e) => setArgument(e.currentTarget.value)} />
            </div>
          ) : rules.length > 0 ? (
            <Field
              id="reset-argument"
              label={type === 'to-offset' ? 'Offset' : type === 'shift-by' ? 'Shift (negative: back)' : 'Duration'}
              value={argument}
              onInput={setArgument}
              rules={rules}
              inputMode={type === 'by-duration' ? undefined : 'numeric'}
              placeholder={type === 'by-duration' ? 'PT1H' : undefined}
            />
          ) : null}
        </div>
        {preview ? (
          <table class="mono" data-testid="reset-preview" style={{ borderCollapse: 'collapse' }}>
            <thead>
              <tr>
                <th style={{ textAlign: 'left' }}>Partition</th>
                <th class="num">Now</th>
                <th class="num">New</th>
              </tr>
            </thead>
            <tbody>
              {preview.offsets.map((o) => (
                <tr key={`${o.topic}-${o.partition}`}>
                  <td>
                    {o.topic}-{o.partition}
                  </td>
                  <td class="num">{formatNumber(o.previousOffset)}</td>
                  <td class="num">{formatNumber(o.newOffset)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <FormActions action={reset} onCancel={props.onClose}>
          <button type="button" onClick={() => run(true)} disabled={reset.busy || argumentError !== undefined}>
            Preview
          </button>
          <button type="button" class="danger" onClick={() => run(false)} disabled={reset.busy || argumentError !== undefined}>
            Reset offsets
          </button>
        </FormActions>
      </div>
    </Dialog>
  );
}
