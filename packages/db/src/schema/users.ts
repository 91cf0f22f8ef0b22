// Accounts and their sessions (sessions are built the way the Lucia guide teaches; see packages/auth).
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const roles = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Raw bytes; both drivers hand back a Uint8Array (postgres.js a Buffer, which is one). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    username: text('username').notNull(),
    passwordHash: text('password_hash').notNull(),
    bio: text('bio'),
    image: text('image'),
    role: text('role', { enum: roles }).notNull().default('user'),
    /** Articles this user wrote; kept by a trigger on `articles` (migration 0001), never by code. */
    articlesCount: integer('articles_count').notNull().default(0),
    /** When the owner proved they read mail at `email`; null until then. */
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    /** Set by an admin: sign-in refused and every session ended; the content stays. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** The TOTP secret (RFC 6238); set at enrolment, in use once `totpEnabledAt` is set. */
    totpSecret: bytea('totp_secret'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last time step whose code was accepted: a code is never accepted twice. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Uniqueness is case-insensitive: "Alice" and "alice" are the same account.
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    check('users_email_format', sql`char_length(${t.email}) <= 254 and ${t.email} like '%_@_%'`),
    check('users_username_format', sql`${t.username} ~ '^[A-Za-z0-9_-]{1,32}$'`),
    check('users_bio_length', sql`char_length(${t.bio}) <= 2000`),
    check('users_image_url', sql`char_length(${t.image}) <= 2048 and ${t.image} ~* '^https?://'`),
    check('users_role_known', sql`${t.role} in ('user', 'moderator', 'admin')`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** The public half of the token `<id>.<secret>`. */
    id: text('id').primaryKey(),
    /** SHA-256 of the secret half; the secret itself is never stored. */
    secretHash: bytea('secret_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the holder last proved who they are (sign-in, re-authentication): sudo mode. */
    authenticatedAt: timestamp('authenticated_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('sessions_user_id_idx').on(t.userId),
    // Purging expired sessions scans by expiry.
    index('sessions_expires_at_idx').on(t.expiresAt),
    check('sessions_secret_hash_length', sql`octet_length(${t.secretHash}) = 32`),
  ],
);
