/** Create a topic: name, partitions, replication factor and config overrides (key=value lines). */
import { useState } from 'preact/hooks';
import { api } from '../api-client.ts';
import { Dialog } from '../components/dialog.tsx';
import { check, Field, Form, integer, required, topicName, type Rule } from '../components/form.tsx';
import { useNotify } from '../components/toasts.tsx';

/** `key=value` lines, blank lines ignored. */
export function parseConfigLines(text: string): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    configs[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return configs;
}

export const configLines: Rule = (text) => {
  const bad = text.split('\n').find((line) => line.trim() !== '' && !/^\s*[\w.-]+\s*=/.test(line));
  return bad === undefined ? undefined : `Not key=value: ${bad.trim()}`;
};

const NAME_RULES = [required, topicName];
const PARTITION_RULES = [integer(1, 100_000)];
const RF_RULES = [integer(1, 32_767)];
const CONFIG_RULES = [configLines];

export function CreateTopicDialog(props: { open: boolean; onClose: () => void; onCreated: (name: string) => void }) {
  const notify = useNotify();
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('');
  const [replicationFactor, setReplicationFactor] = useState('');
  const [configs, setConfigs] = useState('');

  const valid =
    check(name, NAME_RULES) === undefined &&
    check(partitions, PARTITION_RULES) === undefined &&
    check(replicationFactor, RF_RULES) === undefined &&
    check(configs, CONFIG_RULES) === undefined;

  const submit = async () => {
    const created = await api('POST /api/topics', {
      body: {
        name: name.trim(),
        partitions: partitions.trim() === '' ? undefined : Number(partitions),
        replicationFactor: replicationFactor.trim() === '' ? undefined : Number(replicationFactor),
        configs: parseConfigLines(configs),
      },
    });
    notify(`Topic ${created.name} created with ${created.partitions} partition(s)`);
    setName('');
    setPartitions('');
    setReplicationFactor('');
    setConfigs('');
    props.onCreated(created.name);
  };

  return (
    <Dialog open={props.open} title="Create topic" onClose={props.onClose} testId="create-topic-dialog">
      <Form onSubmit={submit} valid={valid} submitLabel="Create" onCancel={props.onClose}>
        <Field id="topic-name" label="Name" value={name} onInput={setName} rules={NAME_RULES} />
        <div class="form-row">
          <Field id="topic-partitions" label="Partitions (broker default if empty)" value={partitions} onInput={setPartitions} rules={PARTITION_RULES} inputMode="numeric" />
          <Field
            id="topic-replication-factor"
            label="Replication factor (default if empty)"
            value={replicationFactor}
            onInput={setReplicationFactor}
            rules={RF_RULES}
            inputMode="numeric"
          />
        </div>
        <Field
          id="topic-configs"
          label="Configs, one key=value a line"
          value={configs}
          onInput={setConfigs}
          rules={CONFIG_RULES}
          multiline
          placeholder={'cleanup.policy=compact\nretention.ms=86400000'}
        />
      </Form>
    </Dialog>
  );
}
