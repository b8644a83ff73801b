/** The cluster's ACLs (with an authorizer configured): filter, add, delete. */
import { useState } from 'preact/hooks';
import type { AclBindingView } from '../../api-types.ts';
import { api, ApiRequestError } from '../api-client.ts';
import { useCanWrite } from '../app-context.ts';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { SearchBox, useSearch } from '../components/search.tsx';
import { ErrorBox, Loading } from '../components/status.tsx';
import { VirtualTable, type Column } from '../components/virtual-table.tsx';
import { useNotify } from '../components/toasts.tsx';
import { useApi } from '../use-api.ts';
import { AclForm } from './acl-form.tsx';

const COLUMNS: readonly Column<AclBindingView>[] = [
  { key: 'principal', header: 'Principal', width: '1.3fr', render: (a) => a.principal, compare: (a, b) => a.principal.localeCompare(b.principal) },
  { key: 'permission', header: 'Permission', width: '100px', render: (a) => a.permissionType },
  { key: 'operation', header: 'Operation', width: '150px', render: (a) => a.operation },
  { key: 'type', header: 'Resource', width: '150px', render: (a) => a.resourceType, compare: (a, b) => a.resourceType.localeCompare(b.resourceType) },
  { key: 'name', header: 'Name', width: '1.5fr', render: (a) => <span class="mono">{a.resourceName}</span> },
  { key: 'pattern', header: 'Pattern', width: '100px', render: (a) => a.patternType },
  { key: 'host', header: 'Host', width: '110px', render: (a) => a.host },
];

export function aclText(a: AclBindingView): string {
  return `${a.principal} ${a.permissionType} ${a.operation} on ${a.resourceType} ${a.patternType === 'PREFIXED' ? `${a.resourceName}*` : a.resourceName} from ${a.host}`;
}

export function AclsPage() {
  const acls = useApi('GET /api/acls', [{ query: {} }]);
  const canWrite = useCanWrite();
  const notify = useNotify();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<AclBindingView | undefined>(undefined);
  const search = useSearch(acls.data?.acls, aclText);

  const unsupported = acls.error instanceof ApiRequestError && acls.error.code === 'UNSUPPORTED';
  const remove = async () => {
    if (!deleting) return;
    const answer = await api('DELETE /api/acls', { body: { filters: [deleting] } });
    notify(`${answer.deleted.length} ACL(s) deleted`);
    void acls.reload();
  };

  return (
    <div class="page" data-testid="acls-page">
      <div class="page-header">
        <h1>ACLs</h1>
        <span class="muted">{acls.data ? `${search.shown.length} of ${acls.data.acls.length}` : ''}</span>
        <div class="actions">
          {canWrite && !unsupported ? (
            <button type="button" class="primary" onClick={() => setAdding(true)}>
              Add ACL
            </button>
          ) : null}
        </div>
      </div>
      {unsupported ? (
        <div class="notice" data-testid="acls-unsupported">
          The cluster keeps no ACLs: its brokers run without an authorizer (<code>authorizer.class.name</code>). {acls.error?.message}
        </div>
      ) : acls.error ? (
        <ErrorBox error={acls.error} retry={() => void acls.reload()} />
      ) : acls.data === undefined ? (
        <Loading what="ACLs" />
      ) : (
        <>
          <SearchBox search={search} placeholder="Filter ACLs (press /)" label="Filter ACLs" />
          <VirtualTable
            label="ACLs"
            rows={search.shown}
            columns={COLUMNS}
            rowKey={aclText}
            onOpen={canWrite ? setDeleting : undefined}
            height="calc(100vh - 220px)"
            empty="No ACLs."
            testId="acls-table"
          />
          {canWrite ? <p class="muted">Enter or click an ACL to delete it.</p> : null}
        </>
      )}
      <Dialog open={adding} title="Add an ACL" onClose={() => setAdding(false)}>
        <AclForm
          onCancel={() => setAdding(false)}
          onCreated={() => {
            setAdding(false);
            void acls.reload();
          }}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this ACL?"
        message={<p class="mono">{deleting ? aclText(deleting) : ''}</p>}
        confirmLabel="Delete ACL"
        danger
        onConfirm={remove}
        onClose={() => setDeleting(undefined)}
      />
    </div>
  );
}
