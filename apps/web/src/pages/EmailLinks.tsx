// The pages mailed links open: confirming the address (after sign-up) and confirming an email
// change (the link went to the new address). Each posts its token once, on arrival.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { Loading } from '../components/States';
import { errorInfo, fieldMessages } from '../lib/errors';
import { useLinkToken } from '../lib/link-token';
import { useTitle } from '../lib/title';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

/** Posts each link's token once (StrictMode runs effects twice; a token works only once). */
function useConfirmOnArrival(token: string | undefined, confirm: (token: string) => void) {
  const sent = useRef<string>(undefined);
  useEffect(() => {
    if (token === undefined || sent.current === token) return;
    sent.current = token;
    confirm(token);
  }, [token, confirm]);
}

function Outcome({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="container page narrow auth-page">
      <h1>{title}</h1>
      {children}
    </div>
  );
}

function Failed({ error, again }: { error: unknown; again: React.ReactNode }) {
  const dead = fieldMessages(error, 'token').length > 0;
  return (
    <Outcome title="This link does not work">
      <p role="alert">
        {dead
          ? 'It was used already, has expired, or a newer link replaced it.'
          : errorInfo(error).message}
      </p>
      {again}
    </Outcome>
  );
}

export function VerifyEmailPage() {
  useTitle('Confirm your email');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const token = useLinkToken();
  const { viewer } = useViewer();
  const verify = useMutation(
    trpc.account.verifyEmail.mutationOptions({
      // The signed-in user (and so the banner) changes.
      onSuccess: () => queryClient.invalidateQueries(),
    }),
  );
  useConfirmOnArrival(token, (value) => verify.mutate({ token: value }));
  const again = viewer ? (
    <p>Ask for a new link with the button at the top of the page.</p>
  ) : (
    <p>
      <Link to="/login">Sign in</Link> to ask for a new link.
    </p>
  );

  if (token === undefined) return <Failed error={undefined} again={again} />;
  if (verify.isError) return <Failed error={verify.error} again={again} />;
  if (!verify.isSuccess) return <Loading what="Confirming your email" />;
  return (
    <Outcome title="Your email is confirmed">
      <p role="status">Thank you: your address is verified.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </Outcome>
  );
}

export function ConfirmEmailPage() {
  useTitle('Confirm your new email');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const token = useLinkToken();
  const confirm = useMutation(
    trpc.account.confirmEmailChange.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
    }),
  );
  useConfirmOnArrival(token, (value) => confirm.mutate({ token: value }));
  const again = (
    <p>
      Change your email again in your <Link to="/settings">settings</Link> to get a new link.
    </p>
  );

  if (token === undefined) return <Failed error={undefined} again={again} />;
  if (confirm.isError) return <Failed error={confirm.error} again={again} />;
  if (!confirm.isSuccess) return <Loading what="Changing your email" />;
  return (
    <Outcome title="Your email is changed">
      <p role="status">
        Your account’s email address is now {confirm.data.email}. We told your old address.
      </p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </Outcome>
  );
}
