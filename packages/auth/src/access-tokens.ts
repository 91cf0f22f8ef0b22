// Personal access tokens (decision 028): named, scoped, expiring credentials for a user's scripts.
// `cdt_` + 24 characters of id + 32 of secret + 7 of checksum, all lower-case base32: the prefix
// lets secret scanners find leaked ones and the server tell one from a session token unasked; the
// CRC-32 lets both refuse a mistyped one without a query. Only SHA-256 of the secret is stored.
import { crc32 } from 'node:zlib';
import {
  type AccessTokenScope,
  accessTokens,
  and,
  type Database,
  desc,
  eq,
  isNull,
  type SQL,
  sql,
  users,
} from '@conduit/db';
import { LAST_USED_UPDATE_INTERVAL_MS, type SessionUser, sessionUserColumns } from './sessions';
import { constantTimeEqual, encodeBase32, generateSessionToken, hashSecret } from './tokens';

export const ACCESS_TOKEN_PREFIX = 'cdt_';
const ID_LENGTH = 24;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 7; // 32 bits in base32
const ACCESS_TOKEN_PATTERN = new RegExp(
  `^${ACCESS_TOKEN_PREFIX}([a-z2-7]{${ID_LENGTH}})([a-z2-7]{${SECRET_LENGTH}})([a-z2-7]{${CHECKSUM_LENGTH}})$`,
);
const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest a token may live: a year, then its owner makes a new one (and sees the list again). */
export const ACCESS_TOKEN_MAX_DAYS = 365;
/** Enough for every script a person runs; a bound keeps one account from filling the table. */
export const MAX_ACCESS_TOKENS_PER_USER = 50;
/** Revoked or expired tokens are kept this long, so their holders hear why they are refused. */
export const ACCESS_TOKEN_KEPT_AFTER_END_MS = 30 * DAY_MS;

export interface AccessTokenRecord {
  id: string;
  userId: number;
  name: string;
  scope: AccessTokenScope;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = {
  id: accessTokens.id,
  userId: accessTokens.userId,
  name: accessTokens.name,
  scope: accessTokens.scope,
  createdAt: accessTokens.createdAt,
  expiresAt: accessTokens.expiresAt,
  lastUsedAt: accessTokens.lastUsedAt,
  revokedAt: accessTokens.revokedAt,
};

const checksumOf = (body: string) => {
  const sum = crc32(body) >>> 0;
  return encodeBase32(
    new Uint8Array([sum >>> 24, (sum >>> 16) & 255, (sum >>> 8) & 255, sum & 255]),
  );
};

/** Whether a presented credential is meant as a personal access token (by its prefix alone). */
export function looksLikeAccessToken(value: string): boolean {
  return value.startsWith(ACCESS_TOKEN_PREFIX);
}

/** The id and secret of a well-formed token with a right checksum, or null (never throws). */
export function parseAccessToken(token: string): { id: string; secret: string } | null {
  const match = ACCESS_TOKEN_PATTERN.exec(token);
  const [, id, secret, checksum] = match ?? [];
  if (!id || !secret || !checksum) return null;
  return checksumOf(`${ACCESS_TOKEN_PREFIX}${id}${secret}`) === checksum ? { id, secret } : null;
}

/** A new token: 120 random bits of id, 160 of secret (the session token's halves). */
export function generateAccessToken(): { id: string; secret: string; token: string } {
  const { id, secret } = generateSessionToken();
  const body = `${ACCESS_TOKEN_PREFIX}${id}${secret}`;
  return { id, secret, token: `${body}${checksumOf(body)}` };
}

/** Creates a token; the only time its text exists outside the holder's hands is this answer. */
export async function createAccessToken(
  db: Database,
  options: {
    userId: number;
    name: string;
    scope: AccessTokenScope;
    expiresInDays: number;
    now?: Date | undefined;
  },
): Promise<{ token: string; record: AccessTokenRecord }> {
  const { expiresInDays } = options;
  if (
    !Number.isInteger(expiresInDays) ||
    expiresInDays < 1 ||
    expiresInDays > ACCESS_TOKEN_MAX_DAYS
  )
    throw new RangeError(`expiresInDays must be 1 to ${ACCESS_TOKEN_MAX_DAYS}`);
  const now = options.now ?? new Date();
  const { id, secret, token } = generateAccessToken();
  const [record] = await db
    .insert(accessTokens)
    .values({
      id,
      secretHash: hashSecret(secret),
      userId: options.userId,
      name: options.name,
      scope: options.scope,
      createdAt: now,
      expiresAt: new Date(now.getTime() + expiresInDays * DAY_MS),
    })
    .returning(columns);
  if (!record) throw new Error('createAccessToken: insert returned no row');
  return { token, record };
}

/** Why a well-formed token is refused, in words its holder can act on. */
export type AccessTokenRefusal = 'unknown' | 'expired' | 'revoked' | 'account disabled';

export type AccessTokenCheck =
  | { ok: true; token: AccessTokenRecord; user: SessionUser; firstUse: boolean }
  | { ok: false; refusal: AccessTokenRefusal; token?: AccessTokenRecord };

/**
 * Checks a presented token. `lastUsedAt` is written at most once a minute; `firstUse` says this
 * was the token's first (the caller audits it).
 */
export async function validateAccessToken(
  db: Database,
  token: string,
  now: Date = new Date(),
): Promise<AccessTokenCheck> {
  const parts = parseAccessToken(token);
  if (!parts) return { ok: false, refusal: 'unknown' };
  const [row] = await db
    .select({
      token: columns,
      secretHash: accessTokens.secretHash,
      user: sessionUserColumns,
      disabledAt: users.disabledAt,
    })
    .from(accessTokens)
    .innerJoin(users, eq(users.id, accessTokens.userId))
    .where(eq(accessTokens.id, parts.id))
    .limit(1);
  if (!row || !constantTimeEqual(hashSecret(parts.secret), row.secretHash))
    return { ok: false, refusal: 'unknown' };
  const { token: record, user } = row;
  if (record.revokedAt) return { ok: false, refusal: 'revoked', token: record };
  if (now.getTime() >= record.expiresAt.getTime())
    return { ok: false, refusal: 'expired', token: record };
  if (row.disabledAt) return { ok: false, refusal: 'account disabled', token: record };

  const firstUse = record.lastUsedAt === null;
  const due =
    firstUse || now.getTime() - (record.lastUsedAt?.getTime() ?? 0) >= LAST_USED_UPDATE_INTERVAL_MS;
  if (!due) return { ok: true, token: record, user, firstUse: false };
  // Only the request that moves it from null counts as the first use, however many race.
  const [touched] = await db
    .update(accessTokens)
    .set({ lastUsedAt: now })
    .where(
      firstUse
        ? and(eq(accessTokens.id, record.id), isNull(accessTokens.lastUsedAt))
        : eq(accessTokens.id, record.id),
    )
    .returning({ id: accessTokens.id });
  return {
    ok: true,
    token: { ...record, lastUsedAt: now },
    user,
    firstUse: firstUse && touched !== undefined,
  };
}

/** The user's tokens not revoked, expired ones included (their owner sees which to renew). */
export async function listAccessTokens(db: Database, userId: number): Promise<AccessTokenRecord[]> {
  return db
    .select(columns)
    .from(accessTokens)
    .where(and(eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
    .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id));
}

/** How many usable tokens the user has (for the per-account bound). */
export async function countLiveAccessTokens(
  db: Database,
  userId: number,
  now: Date = new Date(),
): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(accessTokens)
    .where(
      and(
        eq(accessTokens.userId, userId),
        isNull(accessTokens.revokedAt),
        sql`${accessTokens.expiresAt} > ${sql.param(now, accessTokens.expiresAt)}`,
      ),
    );
  return row?.count ?? 0;
}

/**
 * Revokes one token of the user (`{ user, id }`) or all of them (`{ user }`); answers the revoked
 * ones. Takes effect on the next request: tokens are never cached.
 */
export async function revokeAccessTokens(
  db: Database,
  which: { user: number; id?: string },
  now: Date = new Date(),
): Promise<AccessTokenRecord[]> {
  const conditions: SQL[] = [eq(accessTokens.userId, which.user), isNull(accessTokens.revokedAt)];
  if (which.id !== undefined) conditions.push(eq(accessTokens.id, which.id));
  return db
    .update(accessTokens)
    .set({ revokedAt: now })
    .where(and(...conditions))
    .returning(columns);
}

/** Deletes tokens revoked or expired more than `ACCESS_TOKEN_KEPT_AFTER_END_MS` ago. */
export async function purgeAccessTokens(db: Database, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - ACCESS_TOKEN_KEPT_AFTER_END_MS);
  const purged = await db
    .delete(accessTokens)
    .where(
      sql`${accessTokens.expiresAt} <= ${sql.param(before, accessTokens.expiresAt)} or ${accessTokens.revokedAt} <= ${sql.param(before, accessTokens.revokedAt)}`,
    )
    .returning({ id: accessTokens.id });
  return purged.length;
}
