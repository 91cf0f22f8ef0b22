// Sign in and sign up. The server sets the session cookie; the page only learns who signed in.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { Field, FormErrors } from '../components/Form';
import { useTitle } from '../lib/title';
import { useSessionChanged, type Viewer } from '../lib/viewer';
import { useTRPC } from '../trpc';
import { PasskeySignIn } from './PasskeySignIn';
import { SecondFactorStep } from './SignInSecondFactor';

/** Where to go after signing in: back where the visitor was sent from, if it was one of our pages. */
function useReturnTo(): string {
  const location = useLocation();
  const from = (location.state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : '/';
}

export function SignInPage() {
  useTitle('Sign in');
  const trpc = useTRPC();
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const sessionChanged = useSessionChanged();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signedIn = async (user: Viewer) => {
    await sessionChanged(user);
    void navigate(returnTo, { replace: true });
  };
  // Set when the password was right and the account has two-factor on: the code comes next.
  const [pending, setPending] = useState<string | null>(null);
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: ({ user }) => signedIn(user),
      onError: (error) => setPending(error.data?.secondFactor?.token ?? null),
    }),
  );
  if (pending) {
    const restart = () => {
      setPending(null);
      login.reset();
    };
    return <SecondFactorStep token={pending} onSignedIn={signedIn} onRestart={restart} />;
  }

  return (
    <div className="container page narrow auth-page">
      <h1>Sign in</h1>
      <p className="text-center">
        <Link to="/register">Need an account?</Link>
      </p>
      <FormErrors error={login.error} fields={['email', 'password']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          login.mutate({ email, password });
        }}
      >
        <Field label="Email" name="email" error={login.error}>
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
        <Field label="Password" name="password" error={login.error}>
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <p>
          <Link to="/forgot-password" state={{ email }}>
            Forgot password?
          </Link>
        </p>
        <button
          type="submit"
          className="btn btn-lg btn-primary pull-right"
          disabled={login.isPending}
        >
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <PasskeySignIn returnTo={returnTo} />
    </div>
  );
}

export function SignUpPage() {
  useTitle('Sign up');
  const trpc = useTRPC();
  const navigate = useNavigate();
  const sessionChanged = useSessionChanged();
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const register = useMutation(
    trpc.auth.register.mutationOptions({
      onSuccess: async ({ user }) => {
        await sessionChanged(user);
        void navigate('/', { replace: true });
      },
    }),
  );

  return (
    <div className="container page narrow auth-page">
      <h1>Sign up</h1>
      <p className="text-center">
        <Link to="/login">Have an account?</Link>
      </p>
      <FormErrors error={register.error} fields={['username', 'email', 'password']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          register.mutate({ username, email, password });
        }}
      >
        <Field
          label="Username"
          name="username"
          error={register.error}
          hint="Letters, digits, _ and -; up to 32."
        >
          {(props) => (
            <input
              {...props}
              autoComplete="username"
              required
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          )}
        </Field>
        <Field label="Email" name="email" error={register.error}>
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
        <Field
          label="Password"
          name="password"
          error={register.error}
          hint="At least 8 characters."
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
          disabled={register.isPending}
        >
          {register.isPending ? 'Signing up…' : 'Sign up'}
        </button>
      </form>
    </div>
  );
}
