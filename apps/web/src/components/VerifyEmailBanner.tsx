// Asks a signed-in user whose address is not verified to open the link we mailed, with a button
// for a new one (the server throttles it and sends nothing once verified).
import { useMutation } from '@tanstack/react-query';
import { useLocation } from 'react-router';
import { errorInfo } from '../lib/errors';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

export function VerifyEmailBanner() {
  const trpc = useTRPC();
  const { viewer } = useViewer();
  const { pathname } = useLocation();
  const resend = useMutation(trpc.account.resendVerification.mutationOptions());
  if (!viewer || viewer.emailVerified || pathname === '/verify-email') return null;
  return (
    <aside className="notice" aria-label="Verify your email">
      <div className="container">
        <p>
          Please verify your email address: open the link we sent to <b>{viewer.email}</b>.
        </p>
        <button
          type="button"
          className="btn btn-sm btn-outline-primary"
          disabled={resend.isPending}
          onClick={() => resend.mutate()}
        >
          {resend.isPending ? 'Sending…' : 'Send me a new link'}
        </button>
        <p className="notice-status" role="status">
          {resend.isSuccess ? 'Sent: check your inbox (the older link no longer works).' : ''}
          {resend.isError ? errorInfo(resend.error).message : ''}
        </p>
      </div>
    </aside>
  );
}
