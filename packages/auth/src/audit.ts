// The audit log: who did what, when and from where, for authentication, moderation and role changes.
import { auditLog, type Database, descIndexed, eq, sql, users } from '@conduit/db';
import { cleanIp, cleanUserAgent } from './request-meta';

export type AuditAction =
  | 'auth.register'
  | 'auth.login.ok'
  | 'auth.login.failed'
  // The second factor (TOTP): a sign-in waiting for it, a wrong code, and its settings.
  | 'auth.second_factor.required'
  | 'auth.second_factor.failed'
  | 'auth.two_factor.begin'
  | 'auth.two_factor.enable'
  | 'auth.two_factor.disable'
  | 'auth.two_factor.recovery_codes'
  | 'auth.logout'
  | 'auth.logout_all'
  | 'auth.session.revoke'
  | 'auth.password.change'
  | 'auth.password.reset_requested'
  | 'auth.password.reset'
  | 'auth.email.verify'
  | 'user.email.change_requested'
  | 'user.email.change'
  | 'auth.passkey.add'
  | 'auth.passkey.rename'
  | 'auth.passkey.remove'
  // Personal access tokens (decision 028): made, revoked, and first presented (from where).
  | 'auth.access_token.create'
  | 'auth.access_token.revoke'
  | 'auth.access_token.first_use'
  | 'user.update'
  | 'admin.role.set'
  | 'moderation.article.delete'
  | 'moderation.comment.delete'
  // Leaving and being removed (decision 021).
  | 'user.delete'
  | 'admin.user.disable'
  | 'admin.user.enable';

export interface AuditEntryInput {
  action: AuditAction;
  /** Who did it; null or absent for anonymous events such as a failed login. */
  actorId?: number | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Context (a reason, the old and new role); never secrets, which `recordAudit` refuses. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: Date;
  action: string;
  actor: { id: number; username: string } | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** Keys whose values would be secrets: refused at any depth, whatever their case. */
const SECRET_KEY = /password|token|secret|hash/i;

export class AuditSecretError extends Error {
  constructor(readonly path: string) {
    super(`Audit details must not hold secrets; refused key "${path}"`);
    this.name = 'AuditSecretError';
  }
}

export async function recordAudit(db: Database, entry: AuditEntryInput): Promise<void> {
  const details = entry.details ?? {};
  // Defence in depth: a caller passing the login input as details would otherwise write a
  // password into a log that admins read and backups keep.
  const secretPath = findSecretKey(details, '', new Set());
  if (secretPath !== null) throw new AuditSecretError(secretPath);
  await db.insert(auditLog).values({
    action: entry.action,
    actorId: entry.actorId ?? null,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    ip: cleanIp(entry.ip),
    userAgent: cleanUserAgent(entry.userAgent),
    details,
  });
}

function findSecretKey(value: unknown, path: string, seen: Set<object>): string | null {
  if (typeof value !== 'object' || value === null || seen.has(value)) return null;
  seen.add(value);
  for (const [key, child] of Object.entries(value)) {
    const childPath = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && SECRET_KEY.test(key)) return childPath;
    const found = findSecretKey(child, childPath, seen);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A page of the log, newest first. `cursor` is the id of the last entry of the previous page; the
 * page continues after that entry in (at, id) order, which holds even where ids and times disagree
 * (concurrent transactions), because the cursor entry's own `at` is read in the same query.
 */
export async function listAudit(
  db: Database,
  options: { limit: number; cursor?: number | undefined },
): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
  const { limit, cursor } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('listAudit: limit must be ≥ 1');
  const afterCursor =
    cursor === undefined
      ? undefined
      : sql`(${auditLog.at}, ${auditLog.id}) < ${db
          .select({ at: auditLog.at, id: auditLog.id })
          .from(auditLog)
          .where(eq(auditLog.id, cursor))}`;
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      actorId: users.id,
      actorUsername: users.username,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      ip: auditLog.ip,
      userAgent: auditLog.userAgent,
      details: auditLog.details,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(afterCursor)
    .orderBy(descIndexed(auditLog.at), descIndexed(auditLog.id))
    .limit(limit + 1); // one more than asked tells whether another page exists

  const page = rows.slice(0, limit);
  const entries = page.map(({ actorId, actorUsername, ...entry }) => ({
    ...entry,
    actor:
      actorId !== null && actorUsername !== null ? { id: actorId, username: actorUsername } : null,
  }));
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > limit && last ? last.id : null };
}
