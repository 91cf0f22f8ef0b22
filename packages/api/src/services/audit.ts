// Writes audit entries with the request's facts (where from, which client) filled in.
import { type AuditEntryInput, recordAudit } from '@conduit/auth';
import type { Database } from '@conduit/db';
import type { RequestMeta } from '../context';

export function audit(
  ctx: { db: Database; meta: RequestMeta },
  entry: Omit<AuditEntryInput, 'ip' | 'userAgent'>,
): Promise<void> {
  return recordAudit(ctx.db, { ...entry, ip: ctx.meta.ip, userAgent: ctx.meta.userAgent });
}
