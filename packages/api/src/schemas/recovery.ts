// Field rules for mailed links (decision 019): a reset request, a reset, a confirmation.
import { z } from 'zod';
import { emailSchema, passwordSchema } from './account';
import { text } from './text';

/** A token from a mailed link. Its shape is checked where it is looked up: any text may arrive. */
export const accountTokenSchema = text()
  .trim()
  .min(1, { error: 'is required' })
  .max(200, { error: 'is not a link token' });

export const requestPasswordResetInput = z.object({ email: emailSchema });
export const resetPasswordInput = z.object({ token: accountTokenSchema, password: passwordSchema });
export const accountTokenInput = z.object({ token: accountTokenSchema });
