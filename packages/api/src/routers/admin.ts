// What only admins may do: change roles, disable and enable accounts, read the audit log.
import { endSessions, listAudit } from '@conduit/auth';
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { roleSchema, usernameSchema } from '../schemas/account';
import { text } from '../schemas/text';
import { findAccountByUsername, setAccountRole } from '../services/accounts';
import { audit } from '../services/audit';
import { setAccountDisabled } from '../services/leaving';
import { sessionCopiesIn } from '../session-cache';
import { roleProcedure } from '../trpc';

const adminProcedure = roleProcedure('admin');

export const auditLogInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.number().int().positive().optional(),
  })
  .default({ limit: 50 });

export const disableUserInput = z.object({
  username: usernameSchema,
  /** Why, for the audit log. */
  reason: text().trim().max(500, { error: 'must be at most 500 characters' }).optional(),
});

export const adminRouter = {
  setRole: adminProcedure
    .input(z.object({ username: usernameSchema, role: roleSchema }))
    .mutation(async ({ ctx, input }) => {
      const target = await findAccountByUsername(ctx.db, input.username);
      if (!target)
        throw new TRPCError({ code: 'NOT_FOUND', message: `No user named ${input.username}` });
      // An admin demoting themselves could leave the site without any admin.
      if (target.id === ctx.viewer.user.id) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins cannot change their own role' });
      }
      if (target.role !== input.role) {
        // Rights are read at every request, but ending sessions makes the change felt at once
        // and forces a fresh sign-in under the new role. One transaction: both or neither.
        await endSessions(ctx.db, sessionCopiesIn(ctx.cache), async (tx, sessions) => {
          await setAccountRole(tx, target.id, input.role);
          await sessions.end({ user: target.id });
          // A session started while this runs would carry the old role: its copy goes too.
          sessions.changedUser(target.id);
        });
        await audit(ctx, {
          action: 'admin.role.set',
          actorId: ctx.viewer.user.id,
          targetType: 'user',
          targetId: String(target.id),
          details: { username: target.username, from: target.role, to: input.role },
        });
      }
      return { username: target.username, role: input.role };
    }),

  /** Sign-in refused and every session ended at once; the account's content stays readable. */
  disableUser: adminProcedure
    .input(disableUserInput)
    .mutation(({ ctx, input }) => setAccountDisabled(ctx, { ...input, disabled: true })),

  enableUser: adminProcedure
    .input(z.object({ username: usernameSchema }))
    .mutation(({ ctx, input }) => setAccountDisabled(ctx, { ...input, disabled: false })),

  auditLog: adminProcedure.input(auditLogInput).query(async ({ ctx, input }) => {
    const page = await listAudit(ctx.db, input);
    return {
      entries: page.entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
      nextCursor: page.nextCursor,
    };
  }),
} satisfies TRPCRouterRecord;
