// The links Conduit mails and how long they work (decision 019). The token travels in the URL's
// fragment (`#token=`): a browser never sends a fragment to a server, so it stays out of access
// logs, proxies and the Referer header of whatever the page loads; the page reads it and posts it.
import type { AccountTokenPurpose } from '@conduit/db';
import type { AccountSettings } from '../context';

const HOUR = 60 * 60_000;

/** How long each mailed link works: a day to confirm an address, an hour to reset a password. */
export const tokenLifetimesMs = {
  email_verification: 24 * HOUR,
  email_change: 24 * HOUR,
  password_reset: 1 * HOUR,
} as const satisfies Partial<Record<AccountTokenPurpose, number>>;

/** The web app's page for each kind of link. */
const pages = {
  email_verification: '/verify-email',
  email_change: '/confirm-email',
  password_reset: '/reset-password',
} as const;

export function accountLink(
  accounts: Pick<AccountSettings, 'publicOrigin'>,
  purpose: keyof typeof pages,
  token: string,
): string {
  return `${accounts.publicOrigin}${pages[purpose]}#token=${encodeURIComponent(token)}`;
}
