// Personal access tokens: what scripts and services of a user present instead of a password
// (decision 028). Like sessions, only SHA-256 of the secret is kept.
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea, users } from './users';

export const accessTokenScopes = ['read', 'write'] as const;
export type AccessTokenScope = (typeof accessTokenScopes)[number];

export const accessTokens = pgTable(
  'access_tokens',
  {
    /** The public half of the token `cdt_<id><secret><checksum>`. */
    id: text('id').primaryKey(),
    /** SHA-256 of the secret half; the token itself is shown once and never stored. */
    secretHash: bytea('secret_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The owner's label ("CI publisher"). */
    name: text('name').notNull(),
    /** `read`: queries only; `write`: also writing content. Never account or security changes. */
    scope: text('scope', { enum: accessTokenScopes }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Written at most once a minute, like a session's. Null until first used. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('access_tokens_user_id_idx').on(t.userId),
    index('access_tokens_expires_at_idx').on(t.expiresAt),
    check('access_tokens_secret_hash_length', sql`octet_length(${t.secretHash}) = 32`),
    check('access_tokens_scope_known', sql`${t.scope} in ('read', 'write')`),
    check('access_tokens_name_length', sql`char_length(${t.name}) between 1 and 100`),
  ],
);
