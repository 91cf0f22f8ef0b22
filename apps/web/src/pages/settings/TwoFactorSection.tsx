// Settings: two-factor authentication (TOTP). Set up by scanning a QR code (or typing the secret)
// and confirming one code; the ten recovery codes are shown once; turning it off, or making new
// recovery codes, asks for the password when the sign-in is not recent (the server says when).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, FormErrors } from '../../components/Form';
import { ErrorState, Loading } from '../../components/States';
import { SudoPasswordField, useSudoPassword } from '../../components/SudoPassword';
import { plural } from '../../lib/format';
import { useTRPC } from '../../trpc';

export function TwoFactorSection() {
  const trpc = useTRPC();
  const status = useQuery(trpc.twoFactor.status.queryOptions());
  // Shown once, right after they were made; gone when the user says they saved them.
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return (
    <section aria-labelledby="two-factor-settings">
      <h2 id="two-factor-settings">Two-factor authentication</h2>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />
      ) : status.isPending ? (
        <Loading what="Loading your two-factor settings" />
      ) : status.isError ? (
        <ErrorState error={status.error} retry={status.refetch} />
      ) : status.data.enabled ? (
        <TwoFactorOn codesLeft={status.data.recoveryCodesLeft} onNewCodes={setRecoveryCodes} />
      ) : (
        <TwoFactorSetup onEnabled={setRecoveryCodes} />
      )}
    </section>
  );
}

function TwoFactorSetup({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const begin = useMutation(trpc.twoFactor.begin.mutationOptions());
  const enable = useMutation(
    trpc.twoFactor.enable.mutationOptions({
      onSuccess: async ({ recoveryCodes }) => {
        onEnabled(recoveryCodes);
        await queryClient.invalidateQueries({ queryKey: trpc.twoFactor.status.queryKey() });
      },
    }),
  );
  const password = useSudoPassword(begin.error);
  const [code, setCode] = useState('');

  if (!begin.data) {
    return (
      <>
        <p>
          Two-factor authentication is off. Turn it on to need a code from an authenticator app
          after your password when you sign in.
        </p>
        <FormErrors error={begin.error} fields={['currentPassword']} />
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            begin.mutate(password.input);
          }}
        >
          <SudoPasswordField sudo={password} error={begin.error} />
          <button type="submit" className="btn btn-primary" disabled={begin.isPending}>
            Set up two-factor authentication
          </button>
        </form>
      </>
    );
  }
  return (
    <>
      <p>
        Scan this QR code with your authenticator app, or type the key into it. Then enter the code
        it shows.
      </p>
      <img
        className="totp-qr"
        src={begin.data.qrCode}
        width={200}
        height={200}
        alt="QR code to add Conduit to your authenticator app"
      />
      <p>
        Key: <code className="totp-secret">{begin.data.secret}</code>
      </p>
      <FormErrors error={enable.error} fields={['code']} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          enable.mutate({ code });
        }}
      >
        <Field label="Code from the app" name="code" error={enable.error}>
          {(props) => (
            <input
              {...props}
              autoComplete="one-time-code"
              inputMode="numeric"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={enable.isPending}>
          Turn on
        </button>
      </form>
    </>
  );
}

function TwoFactorOn({
  codesLeft,
  onNewCodes,
}: {
  codesLeft: number;
  onNewCodes: (codes: string[]) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refreshStatus = () =>
    queryClient.invalidateQueries({ queryKey: trpc.twoFactor.status.queryKey() });
  const disable = useMutation(trpc.twoFactor.disable.mutationOptions({ onSuccess: refreshStatus }));
  const regenerate = useMutation(
    trpc.twoFactor.regenerateRecoveryCodes.mutationOptions({
      onSuccess: async ({ recoveryCodes }) => {
        onNewCodes(recoveryCodes);
        await refreshStatus();
      },
    }),
  );
  const error = disable.error ?? regenerate.error;
  const password = useSudoPassword(error);
  return (
    <>
      <p>Two-factor authentication is on. {plural(codesLeft, 'recovery code')} left.</p>
      <FormErrors error={error} fields={['currentPassword']} />
      <SudoPasswordField sudo={password} error={error} />
      <button
        type="button"
        className="btn btn-outline"
        disabled={regenerate.isPending}
        onClick={() => regenerate.mutate(password.input)}
      >
        New recovery codes
      </button>{' '}
      <button
        type="button"
        className="btn btn-outline-danger"
        disabled={disable.isPending}
        onClick={() => disable.mutate(password.input)}
      >
        Turn off two-factor authentication
      </button>
    </>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <>
      <p role="status">
        Two-factor authentication is on. Save these recovery codes somewhere safe: each signs you in
        once if you lose your authenticator app. They are shown only now.
      </p>
      <ol className="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-primary" onClick={onDone}>
        I have saved them
      </button>
    </>
  );
}
