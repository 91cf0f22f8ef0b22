// Single-use tokens for what is proved by holding a link or a pending sign-in: email verification,
// email change, password reset, and the step between a password and a second factor. They are
// made like session tokens (`<id>.<secret>`, only SHA-256 of the secret stored), so a copy of the
// database gives nobody a usable link.
import {
  type AccountTokenPurpose,
  accountTokens,
  and,
  type Database,
  eq,
  gt,
  isNull,
  sql,
} from '@conduit/db';
import { constantTimeEqual, generateSessionToken, hashSecret, parseSessionToken } from './tokens';

export interface IssuedAccountToken {
  /** What the holder presents: put it in the link (or hand it to the client) and nowhere else. */
  token: string;
  expiresAt: Date;
}

/**
 * Issues a token for `purpose`. The user's earlier unused tokens for the same purpose stop working
 * (the newest link is the only one that works), in the same transaction when `db` is one.
 */
export async function issueAccountToken(
  db: Database,
  options: {
    userId: number;
    purpose: AccountTokenPurpose;
    ttlMs: number;
    /** The address the link is mailed to, or the new address an email change confirms. */
    email?: string | undefined;
    now?: Date | undefined;
  },
): Promise<IssuedAccountToken> {
  const now = options.now ?? new Date();
  const { id, secret, token } = generateSessionToken();
  const expiresAt = new Date(now.getTime() + options.ttlMs);
  await db.transaction(async (tx) => {
    await tx
      .update(accountTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(accountTokens.userId, options.userId),
          eq(accountTokens.purpose, options.purpose),
          isNull(accountTokens.usedAt),
        ),
      );
    await tx.insert(accountTokens).values({
      id,
      secretHash: hashSecret(secret),
      userId: options.userId,
      purpose: options.purpose,
      email: options.email ?? null,
      createdAt: now,
      expiresAt,
    });
  });
  return { token, expiresAt };
}

export interface UsedAccountToken {
  userId: number;
  email: string | null;
  createdAt: Date;
}

/**
 * Uses up a token: its user (and address) when it is well-formed, of this purpose, unused and not
 * expired, else null. Exactly one of two requests racing with one token gets it.
 */
export async function useAccountToken(
  db: Database,
  token: string,
  purpose: AccountTokenPurpose,
  now: Date = new Date(),
): Promise<UsedAccountToken | null> {
  const found = await findAccountToken(db, token, purpose, now);
  if (!found) return null;
  const [used] = await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(and(eq(accountTokens.id, found.id), isNull(accountTokens.usedAt)))
    .returning({ id: accountTokens.id });
  if (!used) return null;
  return { userId: found.userId, email: found.email, createdAt: found.createdAt };
}

/** The token's record without using it (a page that checks a link before asking for a password). */
export async function peekAccountToken(
  db: Database,
  token: string,
  purpose: AccountTokenPurpose,
  now: Date = new Date(),
): Promise<UsedAccountToken | null> {
  const found = await findAccountToken(db, token, purpose, now);
  return found && { userId: found.userId, email: found.email, createdAt: found.createdAt };
}

async function findAccountToken(
  db: Database,
  token: string,
  purpose: AccountTokenPurpose,
  now: Date,
) {
  const parts = parseSessionToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: accountTokens.id,
      secretHash: accountTokens.secretHash,
      userId: accountTokens.userId,
      email: accountTokens.email,
      createdAt: accountTokens.createdAt,
    })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.id, parts.id),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, sql.param(now, accountTokens.expiresAt)),
      ),
    );
  if (!row || !constantTimeEqual(hashSecret(parts.secret), row.secretHash)) return null;
  return row;
}

/** Deletes tokens past their expiry or used more than a day ago (housekeeping). */
export async function purgeAccountTokens(db: Database, now: Date = new Date()): Promise<number> {
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const purged = await db
    .delete(accountTokens)
    .where(
      sql`${accountTokens.expiresAt} <= ${sql.param(now, accountTokens.expiresAt)} or ${accountTokens.usedAt} <= ${sql.param(dayAgo, accountTokens.usedAt)}`,
    )
    .returning({ id: accountTokens.id });
  return purged.length;
}
