// For admins: who may do what (roles), and the audit log of sign-ins, changes and removals.
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, FormErrors } from '../components/Form';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatDateTime } from '../lib/format';
import { useTitle } from '../lib/title';
import type { Role } from '../lib/viewer';
import { useTRPC } from '../trpc';

export function AdminPage() {
  useTitle('Administration');
  return (
    <div className="container page admin-page">
      <h1>Administration</h1>
      <RoleForm />
      <AuditLog />
    </div>
  );
}

function RoleForm() {
  const trpc = useTRPC();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('moderator');
  const setRoleOf = useMutation(trpc.admin.setRole.mutationOptions());
  return (
    <section aria-labelledby="roles">
      <h2 id="roles">Roles</h2>
      <FormErrors error={setRoleOf.error} fields={['username', 'role']} />
      <form
        className="inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setRoleOf.mutate({ username, role });
        }}
      >
        <Field label="Username" name="username" error={setRoleOf.error}>
          {(props) => (
            <input
              {...props}
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <Field label="Role" name="role" error={setRoleOf.error}>
          {(props) => (
            <select
              {...props}
              value={role}
              onChange={(event) => setRole(event.target.value as Role)}
            >
              <option value="user">user</option>
              <option value="moderator">moderator</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={setRoleOf.isPending}>
          Set role
        </button>
      </form>
      <p role="status" className="form-status">
        {setRoleOf.data
          ? `${setRoleOf.data.username} is now ${setRoleOf.data.role === 'admin' ? 'an' : 'a'} ${setRoleOf.data.role}; their sessions were ended.`
          : ''}
      </p>
    </section>
  );
}

function AuditLog() {
  const trpc = useTRPC();
  const log = useInfiniteQuery(
    trpc.admin.auditLog.infiniteQueryOptions(
      { limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const entries = log.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <section aria-labelledby="audit">
      <h2 id="audit">Audit log</h2>
      {log.isPending ? (
        <Loading what="Loading the audit log" />
      ) : log.isError ? (
        <ErrorState error={log.error} retry={log.refetch} />
      ) : entries.length === 0 ? (
        <Empty>Nothing has been recorded yet.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">By</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDateTime(entry.at)}</td>
                  <td>{entry.action}</td>
                  <td>{entry.actor?.username ?? '—'}</td>
                  <td>{entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '—'}</td>
                  <td className="details">
                    {entry.details && Object.keys(entry.details).length > 0
                      ? JSON.stringify(entry.details)
                      : ''}
                    {entry.ip ? ` (${entry.ip})` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <button
          type="button"
          className="btn btn-outline"
          disabled={log.isFetchingNextPage}
          onClick={() => log.fetchNextPage()}
        >
          {log.isFetchingNextPage ? 'Loading…' : 'Older entries'}
        </button>
      )}
    </section>
  );
}
