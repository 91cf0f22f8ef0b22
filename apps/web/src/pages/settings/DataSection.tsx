// "Your data" on the settings page: download everything the site holds about you, or delete your
// account for good (decision 021). Deleting asks for the username typed again, and for the
// password when the server says the sign-in is too old (sudo mode).
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Field, FormErrors } from '../../components/Form';
import { SudoPasswordField, useSudoPassword } from '../../components/SudoPassword';
import { errorInfo } from '../../lib/errors';
import { useSessionChanged, type Viewer } from '../../lib/viewer';
import { useTRPC, useTRPCClient } from '../../trpc';

export function DataSection({ viewer }: { viewer: Viewer }) {
  return (
    <section aria-labelledby="your-data" className="data-section">
      <h2 id="your-data">Your data</h2>
      <DownloadData />
      <DeleteAccount viewer={viewer} />
    </section>
  );
}

/** Hands `data` to the browser as a file download: no server round trip beyond the export. */
function saveAsFile(data: unknown, fileName: string) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked once the click has been handled; the download keeps its own copy.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function DownloadData() {
  const client = useTRPCClient();
  // Fetched at the click, straight to a file: never kept in the query cache.
  const download = useMutation({
    mutationFn: () => client.user.export.query(),
    onSuccess: (data) =>
      saveAsFile(data, `conduit-${data.profile.username}-${data.exportedAt.slice(0, 10)}.json`),
  });
  return (
    <div className="data-download">
      <p>
        A copy of your profile, articles, comments, favorites, the people you follow and your recent
        sign-ins, as a JSON file.
      </p>
      <button
        type="button"
        className="btn btn-outline-secondary"
        disabled={download.isPending}
        onClick={() => download.mutate()}
      >
        {download.isPending ? 'Preparing your data…' : 'Download my data'}
      </button>
      {download.error && (
        <p className="inline-error" role="alert">
          {errorInfo(download.error).message}
        </p>
      )}
    </div>
  );
}

function DeleteAccount({ viewer }: { viewer: Viewer }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const sessionChanged = useSessionChanged();
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState('');
  // The password is asked for once the server says it is needed (or was wrong), not before.
  const sudo = useSudoPassword();
  const remove = useMutation(
    trpc.user.delete.mutationOptions({
      onError: sudo.onError,
      onSuccess: async () => {
        await sessionChanged(null);
        void navigate('/');
      },
    }),
  );
  if (!open) {
    return (
      <div className="data-delete">
        <p>Deleting your account removes it, with your articles and comments, for good.</p>
        <button type="button" className="btn btn-outline-danger" onClick={() => setOpen(true)}>
          Delete my account…
        </button>
      </div>
    );
  }
  return (
    <div className="data-delete">
      <FormErrors error={remove.error} fields={['username', 'currentPassword']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ username, ...sudo.input });
        }}
      >
        <p>
          This deletes your account, your articles and your comments, your favorites and follows,
          and signs you out everywhere. It cannot be undone.
        </p>
        <Field
          label="Your username"
          name="username"
          error={remove.error}
          hint={`Type ${viewer.username} to confirm.`}
        >
          {(props) => (
            <input
              {...props}
              autoComplete="off"
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <SudoPasswordField sudo={sudo} error={remove.error} />
        <button type="submit" className="btn btn-danger" disabled={remove.isPending}>
          {remove.isPending ? 'Deleting…' : 'Delete my account for good'}
        </button>{' '}
        <button type="button" className="btn btn-outline" onClick={() => setOpen(false)}>
          Keep my account
        </button>
      </form>
    </div>
  );
}
