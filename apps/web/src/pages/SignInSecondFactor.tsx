// The second step of signing in when the account has two-factor authentication on: the code from
// the authenticator app, or one of the recovery codes, finishes the pending sign-in.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, FormErrors } from '../components/Form';
import { errorInfo } from '../lib/errors';
import { useTitle } from '../lib/title';
import type { Viewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

interface Props {
  /** The pending sign-in's token, from the password step's answer. */
  token: string;
  onSignedIn: (user: Viewer) => Promise<void>;
  /** Back to the password (the pending sign-in expired, was used up, or the user wants to). */
  onRestart: () => void;
}

export function SecondFactorStep({ token, onSignedIn, onRestart }: Props) {
  useTitle('Two-factor authentication');
  const trpc = useTRPC();
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const finish = useMutation(
    trpc.auth.loginSecondFactor.mutationOptions({
      onSuccess: ({ user }) => onSignedIn(user),
    }),
  );
  // The pending sign-in is gone (expired, used, or too many wrong codes): only the password helps.
  const gone = finish.error && errorInfo(finish.error).code === 'UNAUTHORIZED';
  const field = useRecovery ? 'recoveryCode' : 'code';

  return (
    <div className="container page narrow auth-page">
      <h1>Two-factor authentication</h1>
      <p className="text-center">
        {useRecovery
          ? 'Enter one of the recovery codes you saved. Each works once.'
          : 'Enter the 6-digit code your authenticator app shows for Conduit.'}
      </p>
      <FormErrors error={finish.error} fields={[field]} />
      {gone ? (
        <button type="button" className="btn btn-lg btn-primary" onClick={onRestart}>
          Sign in again
        </button>
      ) : (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            finish.mutate(useRecovery ? { token, recoveryCode: code } : { token, code });
          }}
        >
          <Field
            label={useRecovery ? 'Recovery code' : 'Authentication code'}
            name={field}
            error={finish.error}
          >
            {(props) => (
              <input
                {...props}
                autoComplete="one-time-code"
                inputMode={useRecovery ? 'text' : 'numeric'}
                autoCapitalize="none"
                spellCheck={false}
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
            )}
          </Field>
          <p>
            <button
              type="button"
              className="btn btn-sm btn-outline"
              onClick={() => {
                setUseRecovery(!useRecovery);
                setCode('');
                finish.reset();
              }}
            >
              {useRecovery ? 'Use the authenticator app' : 'Use a recovery code'}
            </button>{' '}
            <button type="button" className="btn btn-sm btn-outline" onClick={onRestart}>
              Cancel
            </button>
          </p>
          <button
            type="submit"
            className="btn btn-lg btn-primary pull-right"
            disabled={finish.isPending}
          >
            {finish.isPending ? 'Checking…' : 'Verify'}
          </button>
        </form>
      )}
    </div>
  );
}
