/** The topic page's dialogs: add partitions, and set or remove one config override. */
import { useEffect, useState } from 'preact/hooks';
import type { ConfigEntryView, ConfigOp } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { Dialog } from '../components/dialog.tsx';
import { check, Field, Form, integer, required } from '../components/form.tsx';
import { sourceLabel } from '../components/config-table.tsx';
import { ErrorBox } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { useAction } from '../components/use-action.ts';

export function AddPartitionsDialog(props: { open: boolean; topic: string; current: number; onClose: () => void; onDone: () => void }) {
  const notify = useNotify();
  const [count, setCount] = useState('');
  useEffect(() => {
    if (props.open) setCount(String(props.current + 1));
  }, [props.open]);
  const rules = [required, integer(props.current + 1, 100_000)];
  const submit = async () => {
    const detail = await api('POST /api/topics/:topic/partitions', { params: { topic: props.topic }, body: { count: Number(count) } });
    notify(`${props.topic} now has ${detail.partitions} partitions`);
    props.onDone();
  };
  return (
    <Dialog open={props.open} title={`Add partitions to ${props.topic}`} onClose={props.onClose}>
      <Form onSubmit={submit} valid={check(count, rules) === undefined} submitLabel="Add partitions" onCancel={props.onClose}>
        <p class="muted">
          The topic has {props.current} partition(s). Partitions can be added, never removed; keys may then map to other partitions.
        </p>
        <Field id="partition-count" label="New partition count" value={count} onInput={setCount} rules={rules} inputMode="numeric" />
      </Form>
    </Dialog>
  );
}

export function EditConfigDialog(props: { topic: string; config: ConfigEntryView | undefined; onClose: () => void; onDone: () => void }) {
  const notify = useNotify();
  const { config } = props;
  const [value, setValue] = useState('');
  useEffect(() => setValue(config?.isSensitive ? '' : (config?.value ?? '')), [config]);

  const alter = async (op: ConfigOp) => {
    await api('PATCH /api/topics/:topic/configs', { params: { topic: props.topic }, body: { ops: [op] } });
    notify(op.op === 'delete' ? `${op.name} back to its default` : `${op.name} set to ${op.value}`);
    props.onDone();
  };
  const removeOverride = useAction((name: string) => alter({ name, op: 'delete' }));
  useEffect(() => removeOverride.clearError(), [config]);

  return (
    <Dialog open={config !== undefined} title={`Edit ${config?.name ?? ''}`} onClose={props.onClose} testId="edit-config-dialog">
      {config ? (
        <Form onSubmit={() => alter({ name: config.name, op: 'set', value })} valid={!config.readOnly} submitLabel="Set value" onCancel={props.onClose}>
          <p class="muted">
            Now {config.isSensitive ? '(sensitive)' : (config.value ?? '(none)')}, from {sourceLabel(config.source)}.{config.readOnly ? ' This config is read-only.' : ''}
          </p>
          {config.documentation ? <p class="muted">{config.documentation}</p> : null}
          <Field id="config-value" label={config.name} value={value} onInput={setValue} />
          {config.source === 'DYNAMIC_TOPIC_CONFIG' ? (
            <div>
              <button type="button" onClick={() => void removeOverride.run(config.name)}>
                Remove the override
              </button>
              <ErrorBox error={removeOverride.error} />
            </div>
          ) : null}
        </Form>
      ) : null}
    </Dialog>
  );
}
