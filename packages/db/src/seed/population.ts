// The seeded users and who follows whom, with the per-user weights that skew everything else.
import type { follows, users } from '../schema/index';
import { generateBio, generateImage, generateUsername } from './content';
import { type Random, WeightedIndex } from './random';
import { growthMoment, momentAfter, USERS_FROM, USERS_UNTIL } from './timeline';
import { drawTag } from './topics';
import type { TagInfo } from './words';

/** The demo password every seeded account shares; log in as any seeded user with it. */
export const SEED_PASSWORD = 'conduit-demo';
/**
 * argon2id (m=19456, t=2, p=1: the OWASP minimum) of SEED_PASSWORD. Precomputed so that seeding
 * needs no hashing library and costs no CPU per user; the auth package verifies it as any other.
 */
export const SEED_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$J+t7PNFLRwuKA7JF6DZ4LQ$ahmOzHln/aGPKUEjDZBNN9RZPeBx16gihJjFu9DSTEA';

export type UserRow = typeof users.$inferInsert;
export type FollowRow = typeof follows.$inferInsert;

/** What later stages need to know about the seeded users, indexed by sign-up order (0-based). */
export interface Population {
  size: number;
  usernames: string[];
  /** Sign-up times in ms, non-decreasing with the index. */
  createdAt: Float64Array;
  /** How much each user writes: most users only read, a few write a lot. */
  writing: WeightedIndex;
  /** How much attention a user's work draws (followers, favorites); prolific writers draw more. */
  fame: Float64Array;
  fameIndex: WeightedIndex;
  /** How much each user favorites and comments. */
  engagement: WeightedIndex;
  /** Each user's favourite topic: their articles lean to it. */
  mainTag: readonly TagInfo[];
}

/**
 * Draws `count` users. `isFree` says whether a lowercased name is still available (names already
 * in the database are not); names taken here are added to `taken` as they are drawn.
 */
export function drawPopulation(rng: Random, count: number, taken: Set<string>): Population {
  const usernames: string[] = [];
  const createdAt = new Float64Array(count);
  const writing = new Float64Array(count);
  const fame = new Float64Array(count);
  const engagement = new Float64Array(count);
  const mainTag: TagInfo[] = [];
  const isFree = (lower: string) => !taken.has(lower) && !taken.has(`${lower}@example.com`);
  for (let i = 0; i < count; i++) {
    const username = generateUsername(rng, isFree);
    taken.add(username.toLowerCase());
    usernames.push(username);
    // The first account is the site's founder: there from the start, and a writer.
    createdAt[i] =
      i === 0 ? USERS_FROM : growthMoment(USERS_FROM, USERS_UNTIL, (i + rng.next()) / count);
    writing[i] = i === 0 || rng.chance(0.35) ? rng.logNormal(0, 1.2) : 0;
    fame[i] = (0.2 + (writing[i] ?? 0)) * rng.logNormal(0, 0.7);
    engagement[i] = rng.logNormal(0, 1);
    mainTag.push(drawTag(rng));
  }
  return {
    size: count,
    usernames,
    createdAt,
    writing: new WeightedIndex(writing),
    fame,
    fameIndex: new WeightedIndex(fame),
    engagement: new WeightedIndex(engagement),
    mainTag,
  };
}

/**
 * The rows of users `from` until `to` (exclusive), profile texts drawn from `rng` in order, their
 * pictures drawn by the site at `origin`.
 */
export function userRows(
  rng: Random,
  people: Population,
  from: number,
  to: number,
  origin: string,
): UserRow[] {
  const rows: UserRow[] = [];
  for (let i = from; i < to; i++) {
    const username = people.usernames[i] ?? '';
    const created = new Date(people.createdAt[i] ?? USERS_FROM);
    const topics = [drawTag(rng)];
    const main = people.mainTag[i];
    if (main) topics.unshift(main);
    rows.push({
      email: `${username.toLowerCase()}@example.com`,
      username,
      passwordHash: SEED_PASSWORD_HASH,
      bio: generateBio(rng, topics),
      image: generateImage(rng, username, origin),
      role: 'user',
      createdAt: created,
      updatedAt: rng.chance(0.3)
        ? new Date(momentAfter(created.getTime(), rng.next(), 2))
        : created,
    });
  }
  return rows;
}

/**
 * Who follows whom, follower by follower: a skewed number of follows each (many follow a handful,
 * a few follow hundreds), drawn towards famous users; never oneself, never twice.
 */
export function* followRows(
  rng: Random,
  people: Population,
  userIds: Int32Array,
): Generator<FollowRow> {
  const n = people.size;
  if (n < 2) return;
  for (let follower = 0; follower < n; follower++) {
    const wanted = Math.min(Math.floor(rng.logNormal(Math.log(6), 1.1)), Math.floor((n - 1) * 0.6));
    const chosen = new Set<number>();
    // Rejection sampling; the attempt cap keeps it quick when the famous few are already taken.
    for (let attempt = 0; chosen.size < wanted && attempt < wanted * 8; attempt++) {
      const followee = people.fameIndex.pick(rng);
      if (followee === follower || chosen.has(followee)) continue;
      chosen.add(followee);
      const since = Math.max(people.createdAt[follower] ?? 0, people.createdAt[followee] ?? 0);
      yield {
        followerId: userIds[follower] ?? 0,
        followeeId: userIds[followee] ?? 0,
        createdAt: new Date(momentAfter(since, rng.next(), 1.5)),
      };
    }
  }
}
