// Choosing a new password from a reset link. Every session ends and nobody is signed in (OWASP):
// the page then sends the user to sign in with the new password.
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Field, FormErrors } from '../components/Form';
import { Loading } from '../components/States';
import { fieldMessages } from '../lib/errors';
import { useLinkToken } from '../lib/link-token';
import { useTitle } from '../lib/title';
import { useSessionChanged, useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

function DeadLink() {
  return (
    <div className="container page narrow auth-page">
      <h1>This link no longer works</h1>
      <p role="alert">
        A reset link works once, for an hour, and only the newest one you asked for works.
      </p>
      <p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </div>
  );
}

export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const trpc = useTRPC();
  const token = useLinkToken();
  const { viewer } = useViewer();
  const sessionChanged = useSessionChanged();
  const [password, setPassword] = useState('');
  // Asked by POST (a mutation) so the token never travels in a URL.
  const check = useMutation(trpc.account.checkResetToken.mutationOptions());
  const { mutate: checkToken } = check;
  useEffect(() => {
    if (token !== undefined) checkToken({ token });
  }, [token, checkToken]);
  const reset = useMutation(
    trpc.account.resetPassword.mutationOptions({
      // Every session of the account ended, perhaps this browser's too.
      onSuccess: async () => {
        if (viewer) await sessionChanged(null);
      },
    }),
  );

  // Another link opened in this tab starts afresh.
  const { reset: forget } = reset;
  useEffect(() => {
    if (token !== undefined) forget();
  }, [token, forget]);

  if (token === undefined || check.data?.valid === false) return <DeadLink />;
  if (fieldMessages(reset.error, 'token').length > 0) return <DeadLink />;
  if (!check.isSuccess && !check.isError) return <Loading />;
  if (reset.isSuccess) {
    return (
      <div className="container page narrow auth-page">
        <h1>Your password is changed</h1>
        <p role="status">Every session of your account was signed out, here and elsewhere.</p>
        <p>
          <Link to="/login" className="btn btn-lg btn-primary">
            Sign in with your new password
          </Link>
        </p>
      </div>
    );
  }
  return (
    <div className="container page narrow auth-page">
      <h1>Choose a new password</h1>
      <FormErrors error={reset.error} fields={['password']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          reset.mutate({ token, password });
        }}
      >
        <Field
          label="New password"
          name="password"
          error={reset.error}
          hint="At least 8 characters. Every session of your account ends when it changes."
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <button
          type="submit"
          className="btn btn-lg btn-primary pull-right"
          disabled={reset.isPending}
        >
          {reset.isPending ? 'Saving…' : 'Set my new password'}
        </button>
      </form>
    </div>
  );
}
