// For admins: who may do what (roles), disabling accounts, and the audit log of sign-ins, changes
// and removals.
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, FormErrors } from '../components/Form';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatDateTime, plural } from '../lib/format';
import { useTitle } from '../lib/title';
import type { Role } from '../lib/viewer';
import { useTRPC } from '../trpc';

export function AdminPage() {
  useTitle('Administration');
  return (
    <div className="container page admin-page">
      <h1>Administration</h1>
      <RoleForm />
      <AccountForm />
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

/** Disable an account (sign-in refused, sessions ended, content kept) or enable it again. */
function AccountForm() {
  const trpc = useTRPC();
  const [username, setUsername] = useState('');
  const [reason, setReason] = useState('');
  const disable = useMutation(trpc.admin.disableUser.mutationOptions());
  const enable = useMutation(trpc.admin.enableUser.mutationOptions());
  const last = disable.submittedAt > enable.submittedAt ? disable : enable;
  const done = disable.submittedAt > enable.submittedAt ? disable.data : enable.data;
  const pending = disable.isPending || enable.isPending;
  return (
    <section aria-labelledby="accounts">
      <h2 id="accounts">Disable an account</h2>
      <FormErrors error={last.error} fields={['username', 'reason']} />
      <form
        className="inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          disable.mutate({ username, ...(reason ? { reason } : {}) });
        }}
      >
        <Field label="Account (username)" subject="The username" name="username" error={last.error}>
          {(props) => (
            <input
              {...props}
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Reason (for the audit log)"
          subject="The reason"
          name="reason"
          error={last.error}
        >
          {(props) => (
            <input {...props} value={reason} onChange={(event) => setReason(event.target.value)} />
          )}
        </Field>
        <button type="submit" className="btn btn-danger" disabled={pending}>
          Disable
        </button>
        <button
          type="button"
          className="btn btn-outline"
          disabled={pending}
          onClick={() => enable.mutate({ username })}
        >
          Enable
        </button>
      </form>
      <p role="status" className="form-status">
        {done ? describeChange(done) : ''}
      </p>
    </section>
  );
}

function describeChange(done: {
  username: string;
  disabled: boolean;
  changed: boolean;
  endedSessions: number;
}) {
  if (!done.changed)
    return `${done.username} was already ${done.disabled ? 'disabled' : 'enabled'}.`;
  if (!done.disabled) return `${done.username} is enabled: they may sign in again.`;
  return `${done.username} is disabled; ${plural(done.endedSessions, 'session')} ended.`;
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
        // Scrolls sideways on a phone: focusable, so the keyboard can scroll it too.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1)
        <section className="table-scroll" tabIndex={0} aria-label="Audit log entries">
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
        </section>
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
