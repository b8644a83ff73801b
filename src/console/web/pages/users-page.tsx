/** SCRAM users (SASL/SCRAM credentials kept by the cluster): list, add or change a password, delete. */
import { useState } from 'preact/hooks';
import type { ScramMechanismNameView, ScramUser } from '../../api-types.ts';
import { api, ApiRequestError } from '../api-client.ts';
import { useCanWrite } from '../app-context.ts';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { check, Field, Form, integer, required } from '../components/form.tsx';
import { SelectField } from '../components/select-field.tsx';
import { ErrorBox, Loading } from '../components/status.tsx';
import { useNotify } from '../components/toasts.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { useApi } from '../use-api.ts';

const COLUMNS: readonly Column<ScramUser>[] = [
  { key: 'user', header: 'User', width: '2fr', render: (u) => u.user, compare: (a, b) => a.user.localeCompare(b.user) },
  { key: 'credentials', header: 'Credentials', width: '3fr', render: (u) => u.credentials.map((c) => `${c.mechanism} (${c.iterations} iterations)`).join(', ') },
];

const MECHANISMS: readonly ScramMechanismNameView[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

function UserForm(props: { user?: string; onDone: () => void; onCancel: () => void }) {
  const notify = useNotify();
  const [user, setUser] = useState(props.user ?? '');
  const [mechanism, setMechanism] = useState<ScramMechanismNameView>('SCRAM-SHA-256');
  const [password, setPassword] = useState('');
  const [iterations, setIterations] = useState('4096');
  const iterationRules = [required, integer(4096, 16384)];
  const valid = check(user, [required]) === undefined && check(password, [required]) === undefined && check(iterations, iterationRules) === undefined;
  const submit = async () => {
    await api('PUT /api/users/:user', { params: { user: user.trim() }, body: { mechanism, password, iterations: Number(iterations) } });
    notify(`${mechanism} credential of ${user.trim()} saved`);
    props.onDone();
  };
  return (
    <Form onSubmit={submit} valid={valid} submitLabel="Save" onCancel={props.onCancel}>
      <Field id="user-name" label="User" value={user} onInput={setUser} rules={[required]} />
      <div class="form-row">
        <SelectField id="user-mechanism" label="Mechanism" value={mechanism} options={MECHANISMS} onChange={setMechanism} />
        <Field id="user-iterations" label="Iterations" value={iterations} onInput={setIterations} rules={iterationRules} inputMode="numeric" />
      </div>
      <Field id="user-password" label="Password" type="password" value={password} onInput={setPassword} rules={[required]} />
    </Form>
  );
}

export function UsersPage() {
  const users = useApi('GET /api/users', []);
  const canWrite = useCanWrite();
  const notify = useNotify();
  const [editing, setEditing] = useState<{ user?: string } | undefined>(undefined);
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const unsupported = users.error instanceof ApiRequestError && users.error.code === 'UNSUPPORTED';

  const remove = async () => {
    if (deleting === undefined) return;
    await api('DELETE /api/users/:user', { params: { user: deleting } });
    notify(`User ${deleting} deleted`);
    void users.reload();
  };

  return (
    <div class="page" data-testid="users-page">
      <div class="page-header">
        <h1>Users</h1>
        <span class="muted">SASL/SCRAM credentials</span>
        <div class="actions">
          {canWrite && !unsupported ? (
            <button type="button" class="primary" onClick={() => setEditing({})}>
              Add user
            </button>
          ) : null}
        </div>
      </div>
      {unsupported ? (
        <div class="notice">The cluster does not keep SCRAM credentials. {users.error?.message}</div>
      ) : users.error ? (
        <ErrorBox error={users.error} retry={() => void users.reload()} />
      ) : users.data === undefined ? (
        <Loading what="users" />
      ) : (
        <VirtualTable
          label="Users"
          rows={users.data.users}
          columns={COLUMNS}
          rowKey={(u) => u.user}
          onOpen={canWrite ? (u) => setEditing({ user: u.user }) : undefined}
          height="calc(100vh - 220px)"
          empty="No SCRAM users."
          testId="users-table"
        />
      )}
      <Dialog open={editing !== undefined} title={editing?.user ? `Credentials of ${editing.user}` : 'Add a user'} onClose={() => setEditing(undefined)}>
        {editing ? (
          <>
            <UserForm
              user={editing.user}
              onCancel={() => setEditing(undefined)}
              onDone={() => {
                setEditing(undefined);
                void users.reload();
              }}
            />
            {editing.user ? (
              <p>
                <button type="button" class="danger" onClick={() => (setDeleting(editing.user), setEditing(undefined))}>
                  Delete {editing.user}
                </button>
              </p>
            ) : null}
          </>
        ) : null}
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete user ${deleting ?? ''}?`}
        message={<p>Every SCRAM credential of the user is deleted; their clients can no longer log in.</p>}
        confirmLabel="Delete user"
        danger
        onConfirm={remove}
        onClose={() => setDeleting(undefined)}
      />
    </div>
  );
}
