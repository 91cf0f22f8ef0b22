// Passkeys in the browser: @simplewebauthn/browser turns the server's options JSON into a
// navigator.credentials call and the credential back into JSON; this says its failures in words.
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from '@simplewebauthn/browser';
import { errorInfo } from './errors';

export { browserSupportsWebAuthn, startAuthentication, startRegistration };

const BROWSER_MESSAGES: Partial<Record<WebAuthnError['code'], string>> = {
  ERROR_CEREMONY_ABORTED: 'The passkey request was cancelled.',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED:
    'This device already holds a passkey for your account.',
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT:
    'This authenticator cannot keep a passkey (it cannot store sign-in credentials).',
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT:
    'This authenticator cannot check it is you (no PIN, fingerprint or face).',
  ERROR_INVALID_DOMAIN: 'Passkeys need a secure page (https, or localhost).',
  ERROR_INVALID_RP_ID: 'This site is set up for passkeys under another domain name.',
};

/** A sentence for a failed passkey step: the browser's refusals in words, else the server's. */
export function passkeyErrorMessage(error: unknown): string {
  if (error instanceof WebAuthnError) {
    return BROWSER_MESSAGES[error.code] ?? `Your device refused: ${error.message}`;
  }
  // Cancelled, timed out, or no passkey for this site on the device: the browser will not say which.
  if (error instanceof DOMException && error.name === 'NotAllowedError') {
    return 'No passkey was used: the request was cancelled or timed out.';
  }
  return errorInfo(error).message;
}
