/** Produce one message: partition (or the partitioner's choice), key, value, encodings and headers. */
import { useState } from 'preact/hooks';
import type { InputEncoding, ProduceHeader } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { check, Field, Form, integer, type Rule } from '../components/form.tsx';
import { SelectField } from '../components/select-field.tsx';
import { useNotify } from '../components/toasts.tsx';

const ENCODINGS: readonly InputEncoding[] = ['text', 'json', 'hex', 'base64'];

const encoded =
  (encoding: InputEncoding): Rule =>
  (v) => {
    if (v === '') return undefined;
    if (encoding === 'json') {
      try {
        JSON.parse(v);
        return undefined;
      } catch {
        return 'Not valid JSON';
      }
    }
    if (encoding === 'hex') return /^([0-9a-fA-F]{2})*$/.test(v.replace(/\s+/g, '')) ? undefined : 'Pairs of hex digits';
    if (encoding === 'base64') return /^[A-Za-z0-9+/]*={0,2}$/.test(v.trim()) ? undefined : 'Not base64';
    return undefined;
  };

/** `name: value` lines. */
export function parseHeaderLines(text: string): ProduceHeader[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const colon = line.indexOf(':');
      return colon < 0 ? { key: line.trim(), value: null } : { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
}

export function ProduceForm(props: { topic: string; partitions: number; onProduced: () => void; onCancel: () => void }) {
  const notify = useNotify();
  const [partition, setPartition] = useState('');
  const [key, setKey] = useState('');
  const [keyEncoding, setKeyEncoding] = useState<InputEncoding>('text');
  const [value, setValue] = useState('');
  const [valueEncoding, setValueEncoding] = useState<InputEncoding>('text');
  const [headers, setHeaders] = useState('');

  const partitionRules = [integer(0, Math.max(0, props.partitions - 1))];
  const keyRules = [encoded(keyEncoding)];
  const valueRules = [encoded(valueEncoding)];
  const valid = [check(partition, partitionRules), check(key, keyRules), check(value, valueRules)].every((e) => e === undefined);

  const submit = async () => {
    const answer = await api('POST /api/topics/:topic/messages', {
      params: { topic: props.topic },
      body: {
        partition: partition === '' ? undefined : Number(partition),
        key: key === '' ? null : key,
        keyEncoding,
        value,
        valueEncoding,
        headers: parseHeaderLines(headers),
      },
    });
    notify(`Produced to ${answer.topic} partition ${answer.partition} at offset ${answer.offset}`);
    setKey('');
    setValue('');
    props.onProduced();
  };

  return (
    <Form onSubmit={submit} valid={valid} submitLabel="Produce" onCancel={props.onCancel} testId="produce-form">
      <Field
        id="produce-partition"
        label={`Partition (0-${Math.max(0, props.partitions - 1)}; empty: by key)`}
        value={partition}
        onInput={setPartition}
        rules={partitionRules}
        inputMode="numeric"
      />
      <div class="form-row">
        <div style={{ flex: 1 }}>
          <Field id="produce-key" label="Key (empty: null)" value={key} onInput={setKey} rules={keyRules} />
        </div>
        <SelectField id="produce-key-encoding" label="Given as" value={keyEncoding} options={ENCODINGS} onChange={setKeyEncoding} />
      </div>
      <div class="form-row">
        <div style={{ flex: 1 }}>
          <Field id="produce-value" label="Value" value={value} onInput={setValue} rules={valueRules} multiline />
        </div>
        <SelectField id="produce-value-encoding" label="Given as" value={valueEncoding} options={ENCODINGS} onChange={setValueEncoding} />
      </div>
      <Field id="produce-headers" label="Headers, one name: value a line (text)" value={headers} onInput={setHeaders} multiline placeholder="trace-id: abc123" />
    </Form>
  );
}
