// Sudo mode in forms (decision 022): a sensitive change is tried without the current password;
// when the server answers that it needs it (signed in too long ago), a password field appears and
// the change is tried again with it.
import { useState } from 'react';
import { fieldMessages } from '../lib/errors';
import { Field } from './Form';

/**
 * The current password, asked for only once the server named it. Pass the mutation's error to
 * have it noticed as it renders, or call `onError` from the mutation.
 */
export function useSudoPassword(error?: unknown) {
  const [asked, setAsked] = useState(false);
  const [currentPassword, setCurrentPassword] = useState('');
  const named = (failure: unknown) => fieldMessages(failure, 'currentPassword').length > 0;
  if (!asked && named(error)) setAsked(true);
  return {
    asked,
    currentPassword,
    setCurrentPassword,
    /** What to send: the password once asked for it, else nothing. */
    input: asked ? { currentPassword } : {},
    /** After a failure: ask for the password when the server named it. */
    onError: (failure: unknown) => {
      if (named(failure)) setAsked(true);
    },
    /** After a success: the session is proven again, the password is not kept. */
    onSuccess: () => {
      setAsked(false);
      setCurrentPassword('');
    },
  };
}

export type SudoPassword = ReturnType<typeof useSudoPassword>;

/** The password field, once asked for. */
export function SudoPasswordField({ sudo, error }: { sudo: SudoPassword; error: unknown }) {
  if (!sudo.asked) return null;
  return (
    <Field
      label="Current password"
      name="currentPassword"
      error={error}
      hint="You signed in a while ago: confirm it is you."
    >
      {(props) => (
        <input
          {...props}
          type="password"
          autoComplete="current-password"
          value={sudo.currentPassword}
          onChange={(event) => sudo.setCurrentPassword(event.target.value)}
        />
      )}
    </Field>
  );
}
