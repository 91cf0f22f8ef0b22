// Settings → Passkeys: add one (the browser asks the device), see, rename and remove them. Adding
// and removing are sensitive: when the server wants the current password (sudo mode), a password
// field appears and the step is tried again with it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Field } from '../../components/Form';
import { PasskeyFailure } from '../../components/PasskeyFailure';
import { ErrorState, Loading } from '../../components/States';
import {
  type SudoPassword,
  SudoPasswordField,
  useSudoPassword,
} from '../../components/SudoPassword';
import { fieldMessages } from '../../lib/errors';
import { describeAgent, formatDateTime, plural } from '../../lib/format';
import { browserSupportsWebAuthn, startRegistration } from '../../lib/passkeys';
import { useTRPC, useTRPCClient } from '../../trpc';

interface Passkey {
  id: string;
  name: string;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export function PasskeysSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sudo = useSudoPassword();
  const passkeys = useQuery(trpc.passkey.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.passkey.list.queryKey() });
  return (
    <section aria-labelledby="passkey-settings">
      <h2 id="passkey-settings">Passkeys</h2>
      <p>
        Sign in with your fingerprint, face, screen lock or security key instead of your password. A
        passkey sign-in needs no second step.
      </p>
      {passkeys.isPending ? (
        <Loading what="Loading your passkeys" />
      ) : passkeys.isError ? (
        <ErrorState error={passkeys.error} retry={passkeys.refetch} />
      ) : (
        <>
          <p>{plural(passkeys.data.passkeys.length, 'passkey')}.</p>
          <ul className="session-list passkey-list">
            {passkeys.data.passkeys.map((passkey) => (
              <PasskeyItem key={passkey.id} passkey={passkey} sudo={sudo} onChange={refresh} />
            ))}
          </ul>
        </>
      )}
      {browserSupportsWebAuthn() ? (
        <AddPasskey sudo={sudo} onAdded={refresh} />
      ) : (
        <p>This browser cannot use passkeys.</p>
      )}
    </section>
  );
}

function AddPasskey({ sudo, onAdded }: { sudo: SudoPassword; onAdded: () => Promise<void> }) {
  const client = useTRPCClient();
  const suggestedName = () => describeAgent(navigator.userAgent).slice(0, 64);
  const [name, setName] = useState(suggestedName);
  const [added, setAdded] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: async () => {
      const { challengeId, options } = await client.passkey.registrationOptions.mutate(sudo.input);
      // The browser asks the device (and the person) to make the passkey.
      const response = await startRegistration({ optionsJSON: options });
      return client.passkey.register.mutate({ challengeId, response, name });
    },
    onMutate: () => setAdded(null),
    onError: sudo.onError,
    onSuccess: async ({ passkey }) => {
      sudo.onSuccess();
      setAdded(passkey.name);
      setName(suggestedName());
      await onAdded();
    },
  });
  return (
    <form
      noValidate
      className="add-passkey"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate();
      }}
    >
      <PasskeyFailure error={add.error} fields={['name', 'currentPassword']} />
      <Field
        label="Name for a new passkey"
        name="name"
        error={add.error}
        hint="So you can tell your passkeys apart, e.g. “Work laptop”."
      >
        {(props) => (
          <input
            {...props}
            maxLength={64}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <SudoPasswordField sudo={sudo} error={add.error} />
      <p className="form-status" role="status">
        {added ? `Passkey “${added}” added.` : ''}
      </p>
      <button type="submit" className="btn btn-primary pull-right" disabled={add.isPending}>
        {add.isPending ? 'Waiting for your device…' : 'Add a passkey'}
      </button>
    </form>
  );
}

function PasskeyItem({
  passkey,
  sudo,
  onChange,
}: {
  passkey: Passkey;
  sudo: SudoPassword;
  onChange: () => Promise<void>;
}) {
  const [renaming, setRenaming] = useState(false);
  return (
    <li className="card">
      {renaming ? (
        <RenamePasskey passkey={passkey} onDone={() => setRenaming(false)} onChange={onChange} />
      ) : (
        <p className="session-agent">
          {passkey.name}
          {passkey.backedUp && <strong className="badge"> Synced</strong>}
        </p>
      )}
      <p className="session-times">
        Added {formatDateTime(passkey.createdAt)} ·{' '}
        {passkey.lastUsedAt ? `last used ${formatDateTime(passkey.lastUsedAt)}` : 'never used'}
      </p>
      {!renaming && (
        <button type="button" className="btn btn-sm btn-outline" onClick={() => setRenaming(true)}>
          Rename
        </button>
      )}{' '}
      <RemovePasskey passkey={passkey} sudo={sudo} onChange={onChange} />
    </li>
  );
}

function RenamePasskey({
  passkey,
  onDone,
  onChange,
}: {
  passkey: Passkey;
  onDone: () => void;
  onChange: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const id = useId();
  const [name, setName] = useState(passkey.name);
  const rename = useMutation(
    trpc.passkey.rename.mutationOptions({
      onSuccess: async () => {
        await onChange();
        onDone();
      },
    }),
  );
  const messages = fieldMessages(rename.error, 'name');
  return (
    <form
      className="remove-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        rename.mutate({ id: passkey.id, name });
      }}
    >
      <label htmlFor={id}>New name for “{passkey.name}”</label>
      <input
        id={id}
        value={name}
        maxLength={64}
        aria-invalid={messages.length > 0}
        onChange={(event) => setName(event.target.value)}
      />
      {messages.length > 0 && <p className="field-error">Name {messages.join(', ')}</p>}
      <button type="submit" className="btn btn-sm btn-primary" disabled={rename.isPending}>
        Save
      </button>
      <button type="button" className="btn btn-sm btn-outline" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function RemovePasskey({
  passkey,
  sudo,
  onChange,
}: {
  passkey: Passkey;
  sudo: SudoPassword;
  onChange: () => Promise<void>;
}) {
  const client = useTRPCClient();
  const [asking, setAsking] = useState(false);
  const remove = useMutation({
    mutationFn: () => client.passkey.remove.mutate({ id: passkey.id, ...sudo.input }),
    onError: sudo.onError,
    onSuccess: async () => {
      sudo.onSuccess();
      await onChange();
    },
  });
  if (!asking) {
    return (
      <button
        type="button"
        className="btn btn-sm btn-outline-danger"
        onClick={() => setAsking(true)}
      >
        Remove
      </button>
    );
  }
  return (
    <fieldset className="confirm">
      <legend>Remove “{passkey.name}”? Your password still signs you in.</legend>
      <SudoPasswordField sudo={sudo} error={remove.error} />
      <button
        type="button"
        className="btn btn-sm btn-danger"
        disabled={remove.isPending}
        onClick={() => remove.mutate()}
      >
        Yes, remove
      </button>
      <button type="button" className="btn btn-sm btn-outline" onClick={() => setAsking(false)}>
        Cancel
      </button>
      <PasskeyFailure error={remove.error} fields={['currentPassword']} />
    </fieldset>
  );
}
