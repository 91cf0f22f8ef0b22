// Field rules for personal access tokens (decision 028).
import { ACCESS_TOKEN_MAX_DAYS, PASSWORD_MAX_LENGTH } from '@conduit/auth';
import { accessTokenScopes } from '@conduit/db';
import { z } from 'zod';
import { text } from './text';

export const createAccessTokenInput = z.strictObject({
  /** What the token is for ("CI publisher"), shown in the list. */
  name: text()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' }),
  scope: z.enum(accessTokenScopes, { error: 'must be read or write' }),
  /** Every token expires: 1 to 365 days from now. */
  expiresInDays: z
    .number({ error: `must be a whole number of days from 1 to ${ACCESS_TOKEN_MAX_DAYS}` })
    .int({ error: `must be a whole number of days from 1 to ${ACCESS_TOKEN_MAX_DAYS}` })
    .min(1, { error: `must be a whole number of days from 1 to ${ACCESS_TOKEN_MAX_DAYS}` })
    .max(ACCESS_TOKEN_MAX_DAYS, {
      error: `must be a whole number of days from 1 to ${ACCESS_TOKEN_MAX_DAYS}`,
    }),
  /** Sudo mode's proof when the session's sign-in is not recent (services/reauth.ts). */
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH * 4)
    .optional(),
});

export const revokeAccessTokenInput = z.strictObject({
  id: z.string().regex(/^[a-z2-7]{24}$/, { error: 'must be the id of one of your access tokens' }),
});
