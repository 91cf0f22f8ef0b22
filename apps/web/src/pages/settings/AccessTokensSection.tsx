// Settings → Personal access tokens (decision 028): make one for a script (name, scope, expiry),
// see it once with a copy button, list them with their last use, revoke them. Making one is
// sensitive: when the server wants the current password (sudo mode), a password field appears.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Field, FormErrors } from '../../components/Form';
import { ErrorState, Loading } from '../../components/States';
import { SudoPasswordField, useSudoPassword } from '../../components/SudoPassword';
import { formatDateTime, plural } from '../../lib/format';
import { useTRPC, useTRPCClient } from '../../trpc';

interface AccessToken {
  id: string;
  name: string;
  scope: 'read' | 'write';
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  expired: boolean;
}

const EXPIRIES = [7, 30, 90, 365] as const;

export function AccessTokensSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.accessToken.list.queryOptions());
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.accessToken.list.queryKey() });
  return (
    <section aria-labelledby="access-token-settings">
      <h2 id="access-token-settings">Personal access tokens</h2>
      <p>
        For your scripts and services: they send <code>Authorization: Bearer &lt;token&gt;</code>{' '}
        instead of signing in with your password. A token reads (and, with scope write, writes
        articles, comments, favorites and follows) as you; it can never change your account or
        security settings.
      </p>
      {tokens.isPending ? (
        <Loading what="Loading your tokens" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} retry={tokens.refetch} />
      ) : (
        <>
          <p>{plural(tokens.data.accessTokens.length, 'token')}.</p>
          <ul className="session-list access-token-list">
            {tokens.data.accessTokens.map((token) => (
              <AccessTokenItem key={token.id} token={token} onChange={refresh} />
            ))}
          </ul>
        </>
      )}
      <CreateAccessToken onCreated={refresh} />
    </section>
  );
}

function CreateAccessToken({ onCreated }: { onCreated: () => Promise<void> }) {
  const client = useTRPCClient();
  const sudo = useSudoPassword();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [expiresInDays, setExpiresInDays] = useState<number>(30);
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation({
    mutationFn: () =>
      client.accessToken.create.mutate({ name, scope, expiresInDays, ...sudo.input }),
    onMutate: () => setMade(null),
    onError: sudo.onError,
    onSuccess: async ({ token, accessToken }) => {
      sudo.onSuccess();
      setMade({ name: accessToken.name, token });
      setName('');
      await onCreated();
    },
  });
  return (
    <form
      noValidate
      className="create-access-token"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <FormErrors
        error={create.error}
        fields={['name', 'scope', 'expiresInDays', 'currentPassword']}
      />
      {made && <NewToken {...made} onDone={() => setMade(null)} />}
      <Field
        label="Token name"
        name="name"
        error={create.error}
        hint="What it is for, e.g. “CI publisher”."
      >
        {(props) => (
          <input
            {...props}
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <Field label="Scope" name="scope" error={create.error}>
        {(props) => (
          <select
            {...props}
            value={scope}
            onChange={(event) => setScope(event.target.value === 'write' ? 'write' : 'read')}
          >
            <option value="read">Read</option>
            <option value="write">Read and write</option>
          </select>
        )}
      </Field>
      <Field label="Expires after" subject="The expiry" name="expiresInDays" error={create.error}>
        {(props) => (
          <select
            {...props}
            value={expiresInDays}
            onChange={(event) => setExpiresInDays(Number(event.target.value))}
          >
            {EXPIRIES.map((days) => (
              <option key={days} value={days}>
                {days} days
              </option>
            ))}
          </select>
        )}
      </Field>
      <SudoPasswordField sudo={sudo} error={create.error} />
      <button type="submit" className="btn btn-primary pull-right" disabled={create.isPending}>
        Create token
      </button>
    </form>
  );
}

/** The token's text, this once: the server keeps only its hash. */
function NewToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div className="new-access-token" role="status">
      <label htmlFor={id}>Your new token “{name}”. Copy it now: it will not be shown again.</label>
      <input id={id} readOnly value={token} onFocus={(event) => event.target.select()} />
      <button
        type="button"
        className="btn btn-sm btn-outline"
        onClick={async () => {
          await navigator.clipboard.writeText(token).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>{' '}
      <button type="button" className="btn btn-sm btn-outline" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function AccessTokenItem({
  token,
  onChange,
}: {
  token: AccessToken;
  onChange: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const revoke = useMutation(trpc.accessToken.revoke.mutationOptions({ onSuccess: onChange }));
  return (
    <li className="card">
      <p className="session-agent">
        {token.name}{' '}
        <strong className="badge">{token.scope === 'write' ? 'read and write' : 'read'}</strong>
        {token.expired && <strong className="badge"> Expired</strong>}
      </p>
      <p className="session-times">
        Created {formatDateTime(token.createdAt)} · {token.expired ? 'expired' : 'expires'}{' '}
        {formatDateTime(token.expiresAt)} ·{' '}
        {token.lastUsedAt ? `last used ${formatDateTime(token.lastUsedAt)}` : 'never used'}
      </p>
      <button
        type="button"
        className="btn btn-sm btn-outline-danger"
        aria-label={`Revoke “${token.name}”`}
        disabled={revoke.isPending}
        onClick={() => revoke.mutate({ id: token.id })}
      >
        Revoke
      </button>
      <FormErrors error={revoke.error} fields={[]} />
    </li>
  );
}
