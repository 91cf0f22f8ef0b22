// Why a passkey step failed: the server's messages (fields not shown on the form), or the
// browser's refusal in words.
import { isConduitError } from '@conduit/client';
import { passkeyErrorMessage } from '../lib/passkeys';
import { FormErrors } from './Form';

export function PasskeyFailure({ error, fields }: { error: unknown; fields: readonly string[] }) {
  if (!error) return null;
  if (isConduitError(error)) return <FormErrors error={error} fields={fields} />;
  return (
    <ul className="form-errors" role="alert">
      <li>{passkeyErrorMessage(error)}</li>
    </ul>
  );
}
