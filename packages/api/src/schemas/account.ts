// Field rules for accounts, shared by the procedures, the REST adapter and the docs.
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@conduit/auth';
import { z } from 'zod';
import { text } from './text';

/** Case is kept for display; uniqueness ignores it (the database compares lower-cased). */
export const emailSchema = text()
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be a valid email address' }));

export const usernameSchema = text()
  .trim()
  // An empty name is said to be empty, not also to hold characters it does not have.
  .min(1, { error: 'must not be empty', abort: true })
  .max(32, { error: 'must be at most 32 characters' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' });

const codePoints = (value: string) => [...value].length;

/** Any characters, spaces included; counted in Unicode code points, never truncated. */
export const passwordSchema = text()
  .max(PASSWORD_MAX_LENGTH * 2, { error: `must be at most ${PASSWORD_MAX_LENGTH} characters` })
  .refine((value) => codePoints(value) >= PASSWORD_MIN_LENGTH, {
    error: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  .refine((value) => codePoints(value) <= PASSWORD_MAX_LENGTH, {
    error: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  });

export const bioSchema = text().max(2000, { error: 'must be at most 2000 characters' });

/**
 * An http or https URL, as SPEC.md has it (RealWorld clients may send either); the page shows an
 * http picture over https (its CSP upgrades insecure requests). An empty string clears the image
 * (RealWorld clients send "" for none).
 */
export const imageSchema = text()
  .trim()
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine((value) => value === '' || (/^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value)), {
    error: 'must be an http:// or https:// URL',
  })
  .transform((value) => (value === '' ? null : value));

export const roleSchema = z.enum(['user', 'moderator', 'admin'], {
  error: 'must be user, moderator or admin',
});

export const registerInput = z.object({
  email: emailSchema,
  username: usernameSchema,
  password: passwordSchema,
});

export const loginInput = z.object({
  email: emailSchema,
  // Not checked against the rules here: a login must not reveal them, only whether it matches.
  password: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(PASSWORD_MAX_LENGTH * 4),
});

const CHANGEABLE = ['email', 'username', 'password', 'bio', 'image'] as const;

/** Only these fields can change; anything else (a role, an id) is refused, never written. */
export const updateUserInput = z
  .strictObject(
    {
      email: emailSchema.optional(),
      username: usernameSchema.optional(),
      bio: bioSchema.nullable().optional(),
      image: imageSchema.nullable().optional(),
      password: passwordSchema.optional(),
      currentPassword: z
        .string()
        .max(PASSWORD_MAX_LENGTH * 4)
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `cannot be changed here: ${issue.keys.join(', ')}`
          : undefined,
    },
  )
  // Nothing to change is a mistake worth telling (RealWorld: at least one field), not a no-op.
  .refine((input) => CHANGEABLE.some((field) => input[field] !== undefined), {
    error: `must name at least one field to change: ${CHANGEABLE.join(', ')}`,
    abort: true,
  });
