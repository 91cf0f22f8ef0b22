// Passkeys in tests: a soft authenticator registered through the procedures, as the web app does.
import type { Database } from '@conduit/db';
import { callerFor } from './callers';
import { SoftAuthenticator } from './soft-authenticator';

type Caller = ReturnType<typeof callerFor>;

/** Registers a new soft authenticator's passkey for the caller's account; returns both. */
export async function addPasskey(caller: Caller, name = 'laptop', counting = true) {
  const authenticator = new SoftAuthenticator(undefined, counting);
  const { challengeId, options } = await caller.passkey.registrationOptions();
  const { passkey } = await caller.passkey.register({
    challengeId,
    response: authenticator.register(options),
    name,
  });
  return { authenticator, passkey };
}

/** Signs in anonymously with the authenticator's passkey, as the sign-in page does. */
export async function signInWithPasskey(db: Database, authenticator: SoftAuthenticator) {
  const caller = callerFor(db);
  const { challengeId, options } = await caller.auth.passkeyOptions();
  return caller.auth.passkeyLogin({ challengeId, response: authenticator.signIn(options) });
}
