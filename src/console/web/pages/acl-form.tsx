/** Add one ACL, as `samsa acls --add` does. */
import { useState } from 'preact/hooks';
import type { AclOperationName, AclPatternTypeName, AclPermissionTypeName, AclResourceTypeName } from '../../api-types.ts';
import { api } from '../api-client.ts';
import { check, Field, Form, required, type Rule } from '../components/form.tsx';
import { SelectField } from '../components/select-field.tsx';
import { useNotify } from '../components/toasts.tsx';

const RESOURCE_TYPES: readonly AclResourceTypeName[] = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const OPERATIONS: readonly AclOperationName[] = [
  'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE',
  'CREATE_TOKENS', 'DESCRIBE_TOKENS',
];

const principal: Rule = (v) => (/^[^:]+:.+$/.test(v.trim()) ? undefined : 'Type:name, e.g. User:alice');

export function AclForm(props: { onCancel: () => void; onCreated: () => void }) {
  const notify = useNotify();
  const [resourceType, setResourceType] = useState<AclResourceTypeName>('TOPIC');
  const [resourceName, setResourceName] = useState('');
  const [patternType, setPatternType] = useState<AclPatternTypeName>('LITERAL');
  const [who, setWho] = useState('User:');
  const [host, setHost] = useState('*');
  const [operation, setOperation] = useState<AclOperationName>('READ');
  const [permissionType, setPermissionType] = useState<AclPermissionTypeName>('ALLOW');
  const nameRules = resourceType === 'CLUSTER' ? [] : [required];
  const valid = check(resourceName, nameRules) === undefined && check(who, [required, principal]) === undefined && check(host, [required]) === undefined;

  const submit = async () => {
    await api('POST /api/acls', {
      body: {
        acls: [
          {
            resourceType,
            resourceName: resourceType === 'CLUSTER' ? 'kafka-cluster' : resourceName.trim(),
            patternType,
            principal: who.trim(),
            host: host.trim(),
            operation,
            permissionType,
          },
        ],
      },
    });
    notify(`ACL added for ${who.trim()}`);
    props.onCreated();
  };

  return (
    <Form onSubmit={submit} valid={valid} submitLabel="Add ACL" onCancel={props.onCancel}>
      <div class="form-row">
        <Field id="acl-principal" label="Principal" value={who} onInput={setWho} rules={[required, principal]} />
        <Field id="acl-host" label="Host (* for any)" value={host} onInput={setHost} rules={[required]} />
      </div>
      <div class="form-row">
        <SelectField id="acl-permission" label="Permission" value={permissionType} options={['ALLOW', 'DENY']} onChange={setPermissionType} />
        <SelectField id="acl-operation" label="Operation" value={operation} options={OPERATIONS} onChange={setOperation} />
      </div>
      <div class="form-row">
        <SelectField id="acl-resource-type" label="Resource type" value={resourceType} options={RESOURCE_TYPES} onChange={setResourceType} />
        <SelectField id="acl-pattern" label="Pattern" value={patternType} options={['LITERAL', 'PREFIXED']} onChange={setPatternType} />
        {resourceType !== 'CLUSTER' ? (
          <Field id="acl-resource-name" label="Resource name (* for all)" value={resourceName} onInput={setResourceName} rules={nameRules} />
        ) : null}
      </div>
    </Form>
  );
}
