// Asking for a password-reset link. The answer is the same whether or not an account has the
// address (the server makes sure of it), so the page says "if".
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { Field, FormErrors } from '../components/Form';
import { useTitle } from '../lib/title';
import { useTRPC } from '../trpc';

export function ForgotPasswordPage() {
  useTitle('Forgot your password?');
  const trpc = useTRPC();
  const typed = (useLocation().state as { email?: unknown } | null)?.email;
  const [email, setEmail] = useState(typeof typed === 'string' ? typed : '');
  const request = useMutation(trpc.account.requestPasswordReset.mutationOptions());

  if (request.isSuccess) {
    return (
      <div className="container page narrow auth-page">
        <h1>Check your inbox</h1>
        <p role="status">
          If an account has the address {request.variables.email}, we have sent it a link to choose
          a new password. The link works once, for an hour.
        </p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </div>
    );
  }
  return (
    <div className="container page narrow auth-page">
      <h1>Forgot your password?</h1>
      <p className="text-center">
        Type the email address of your account: we will mail you a link to choose a new password.
      </p>
      <FormErrors error={request.error} fields={['email']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          request.mutate({ email });
        }}
      >
        <Field label="Email" name="email" error={request.error}>
          {(props) => (
            <input
              {...props}
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <button
          type="submit"
          className="btn btn-lg btn-primary pull-right"
          disabled={request.isPending}
        >
          {request.isPending ? 'Sending…' : 'Send me a link'}
        </button>
      </form>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </div>
  );
}
