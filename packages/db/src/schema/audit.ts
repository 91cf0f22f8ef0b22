// Append-only record of authentication events, moderation and role changes.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { users } from './users';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Who did it; null for anonymous events (a failed login) or once the account is gone. */
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** e.g. `auth.login.ok`, `auth.login.failed`, `moderation.article.delete`, `admin.role.set`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Free-form context (the reason given, the old and new role); never secrets. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_log_actor_id_idx').on(t.actorId, t.at.desc()),
    check('audit_log_action_format', sql`${t.action} ~ '^[a-z][a-z0-9_.-]{0,63}$'`),
  ],
);
