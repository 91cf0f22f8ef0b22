// The challenges handed to browsers for passkey ceremonies: kept in the database (any process
// may get the answer), valid for minutes, used once. Taking one deletes it, whatever the answer
// then proves, so a challenge can never be signed twice.
import { randomBytes } from 'node:crypto';
import { and, type Database, eq, isNull, lt, sql, webauthnChallenges } from '@conduit/db';

/** How long a browser has to answer: the options' timeout says the same to the browser. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type ChallengePurpose = 'registration' | 'authentication';

interface IssueOptions {
  purpose: ChallengePurpose;
  /** The user registering a passkey; null for a sign-in, where the passkey says who. */
  userId: number | null;
  /** The challenge the options carry (base64url), as the library made it. */
  challenge: string;
  now: Date;
}

/** Stores a challenge and returns the id the browser's answer comes back with. */
export async function storeChallenge(db: Database, options: IssueOptions): Promise<string> {
  const { purpose, userId, challenge, now } = options;
  const id = randomBytes(18).toString('base64url');
  await db.insert(webauthnChallenges).values({
    id,
    challenge,
    userId,
    purpose,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
  });
  return id;
}

/**
 * The challenge `id` stands for, taken (deleted) so it cannot be used again; undefined when it is
 * unknown, already used, of another purpose or user, or expired. Race-safe: of two requests
 * taking one challenge, one gets it.
 */
export async function takeChallenge(
  db: Database,
  id: string,
  purpose: ChallengePurpose,
  userId: number | null,
  now: Date,
): Promise<string | undefined> {
  const owner =
    userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, userId);
  const [taken] = await db
    .delete(webauthnChallenges)
    .where(and(eq(webauthnChallenges.id, id), eq(webauthnChallenges.purpose, purpose), owner))
    .returning({
      challenge: webauthnChallenges.challenge,
      expiresAt: webauthnChallenges.expiresAt,
    });
  if (!taken || taken.expiresAt.getTime() <= now.getTime()) return undefined;
  return taken.challenge;
}

/** Deletes the challenges of ceremonies abandoned past their expiry (the server's hourly housekeeping). */
export async function purgeExpiredChallenges(
  db: Database,
  now: Date = new Date(),
): Promise<number> {
  const purged = await db
    .delete(webauthnChallenges)
    .where(lt(webauthnChallenges.expiresAt, now))
    .returning({ id: webauthnChallenges.id });
  return purged.length;
}

/** How many challenges are waiting (tests, and a look at abandoned ceremonies). */
export async function countChallenges(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(webauthnChallenges);
  return row?.n ?? 0;
}
