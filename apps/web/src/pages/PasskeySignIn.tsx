// "Sign in with a passkey" on the sign-in page: no email, no password, no second step. The device
// offers the passkeys it holds for this site; the server finds the account from the one chosen.
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { PasskeyFailure } from '../components/PasskeyFailure';
import { browserSupportsWebAuthn, startAuthentication } from '../lib/passkeys';
import { useSessionChanged } from '../lib/viewer';
import { useTRPCClient } from '../trpc';

export function PasskeySignIn({ returnTo }: { returnTo: string }) {
  const client = useTRPCClient();
  const navigate = useNavigate();
  const sessionChanged = useSessionChanged();
  const signIn = useMutation({
    mutationFn: async () => {
      const { challengeId, options } = await client.auth.passkeyOptions.mutate();
      const response = await startAuthentication({ optionsJSON: options });
      return client.auth.passkeyLogin.mutate({ challengeId, response });
    },
    onSuccess: async ({ user }) => {
      await sessionChanged(user);
      void navigate(returnTo, { replace: true });
    },
  });
  if (!browserSupportsWebAuthn()) return null;
  return (
    <section aria-label="Passkey" className="passkey-sign-in">
      <PasskeyFailure error={signIn.error} fields={[]} />
      <button
        type="button"
        className="btn btn-lg btn-outline-primary"
        disabled={signIn.isPending}
        onClick={() => signIn.mutate()}
      >
        {signIn.isPending ? 'Waiting for your device…' : 'Sign in with a passkey'}
      </button>
    </section>
  );
}
