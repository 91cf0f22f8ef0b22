// The fuzzer's world: a few users, articles, comments, follows, favorites and sessions, written
// straight into the test database with fixed ids, timestamps and tokens, so every run starts from
// the same state and a failing input replays anywhere (another process, the other database).
import { hashPassword, hashSecret } from '@conduit/auth';
import {
  articles,
  articleTags,
  auditLog,
  comments,
  counters,
  type Database,
  favorites,
  follows,
  type Role,
  sessions,
  sql,
  tags,
  users,
} from '@conduit/db';

interface SeedUser {
  username: string;
  role: Role;
  password: string;
  bio: string | null;
  image: string | null;
}

/** Ids are their place here, plus one (identities restart at every reset). */
const USERS: SeedUser[] = [
  { username: 'alice', role: 'user', password: 'alice-password-1', bio: 'Writes', image: null },
  { username: 'Bob_2', role: 'user', password: 'bob-password-22', bio: null, image: null },
  { username: 'mona', role: 'moderator', password: 'mona-password-3', bio: null, image: null },
  {
    username: 'ada',
    role: 'admin',
    password: 'ada-password-444',
    bio: null,
    image: 'https://example.com/ada.png',
  },
  { username: 'zoe-z', role: 'user', password: 'zoe-password-55', bio: '', image: null },
];

const ARTICLES = [
  { slug: 'alice-first-article', title: 'Alice first article', author: 1, tags: ['dragons', 'go'] },
  { slug: 'bob-s-guide', title: "Bob's guide", author: 2, tags: ['dragons'] },
  { slug: 'cafe-ω-東京', title: 'Café Ω 東京', author: 2, tags: ['ünïcode', '東京'] },
  { slug: 'moderated-matters', title: 'Moderated matters', author: 3, tags: [] },
];

/** [article, author, body]: ids 1..4. */
const COMMENTS: [number, number, string][] = [
  [1, 2, 'Nice one'],
  [2, 1, 'Thanks, Bob'],
  [1, 5, 'First!'],
  [1, 1, 'Replying to myself'],
];

const FOLLOWS: [number, number][] = [
  [1, 2],
  [2, 1],
  [5, 1],
];
const FAVORITES: [number, number][] = [
  [1, 2],
  [2, 1],
  [5, 3],
];

/** Who sends a request, and how it proves it. */
export type Signer = 'alice' | 'mona' | 'ada';

/** A session token `<id>.<secret>` (24 + 32 base32 characters) that is the same at every reset. */
function fixedToken(name: string, n: number): { id: string; secret: string; token: string } {
  const id = `${name}session${'abcdefg'[n]}`.padEnd(24, 'z');
  const secret = `${name}secret${'abcdefg'[n]}`.padEnd(32, 'q');
  return { id, secret, token: `${id}.${secret}` };
}

const SESSIONS = [
  { user: 1, ...fixedToken('alice', 0) },
  // A second session of alice's, for auth.sessions and auth.revokeSession.
  { user: 1, ...fixedToken('alice', 1) },
  { user: 2, ...fixedToken('bob', 0) },
  { user: 3, ...fixedToken('mona', 0) },
  { user: 4, ...fixedToken('ada', 0) },
];

const at = (day: number) => new Date(Date.UTC(2025, 0, day, 12));

/** Values that exist in the world, by the field names the schemas use. */
export const WORLD = {
  usernames: USERS.map((user) => user.username),
  emails: USERS.map((user) => `${user.username.toLowerCase()}@example.com`),
  passwords: USERS.map((user) => user.password),
  slugs: ARTICLES.map((article) => article.slug),
  tags: [...new Set(ARTICLES.flatMap((article) => article.tags))],
  commentIds: COMMENTS.map((_, i) => i + 1),
  sessionIds: SESSIONS.map((session) => session.id),
  tokens: {
    alice: SESSIONS[0]?.token ?? '',
    mona: SESSIONS[3]?.token ?? '',
    ada: SESSIONS[4]?.token ?? '',
  } satisfies Record<Signer, string>,
};

/** Password hashes are slow on purpose: made once per process. */
let hashes: Promise<string[]> | undefined;

/**
 * Empties the tables and restarts their ids. Deleting users cascades to everything that hangs on
 * them; on tables this small it is several times faster than TRUNCATE (which makes new files).
 */
async function emptyTables(db: Database): Promise<void> {
  for (const table of [users, tags, auditLog, counters]) await db.delete(table);
  const identities = ['users', 'articles', 'comments', 'tags', 'audit_log'].map(
    (table) => sql`setval(pg_get_serial_sequence(${table}, 'id'), 1, false)`,
  );
  await db.execute(sql`select ${sql.join(identities, sql`, `)}`);
}

/** Empties the database and writes the world again. */
export async function resetWorld(db: Database): Promise<void> {
  hashes ??= Promise.all(USERS.map((user) => hashPassword(user.password)));
  const passwordHashes = await hashes;
  await emptyTables(db);
  await db.insert(users).values(
    USERS.map((user, i) => ({
      email: `${user.username.toLowerCase()}@example.com`,
      username: user.username,
      passwordHash: passwordHashes[i] ?? '',
      bio: user.bio,
      image: user.image,
      role: user.role,
      createdAt: at(1),
      updatedAt: at(1),
    })),
  );
  await db.insert(articles).values(
    ARTICLES.map((article, i) => ({
      slug: article.slug,
      title: article.title,
      description: `About ${article.title}`,
      body: `# ${article.title}\n\nSome *Markdown*.`,
      authorId: article.author,
      createdAt: at(2 + i),
      updatedAt: at(2 + i),
    })),
  );
  const tagNames = WORLD.tags;
  await db.insert(tags).values(tagNames.map((name) => ({ name })));
  await db
    .insert(articleTags)
    .values(
      ARTICLES.flatMap((article, i) =>
        article.tags.map((tag) => ({ articleId: i + 1, tagId: tagNames.indexOf(tag) + 1 })),
      ),
    );
  await db.insert(comments).values(
    COMMENTS.map(([articleId, authorId, body], i) => ({
      articleId,
      authorId,
      body,
      createdAt: at(10 + i),
      updatedAt: at(10 + i),
    })),
  );
  await db
    .insert(follows)
    .values(
      FOLLOWS.map(([followerId, followeeId]) => ({ followerId, followeeId, createdAt: at(1) })),
    );
  await db
    .insert(favorites)
    .values(FAVORITES.map(([userId, articleId]) => ({ userId, articleId, createdAt: at(1) })));
  const now = Date.now();
  await db.insert(sessions).values(
    SESSIONS.map((session) => ({
      id: session.id,
      secretHash: hashSecret(session.secret),
      userId: session.user,
      createdAt: at(1),
      lastUsedAt: new Date(now),
      // Far from the renewal threshold: reading with it never moves its expiry.
      expiresAt: new Date(now + 29 * 24 * 3_600_000),
    })),
  );
}

/**
 * What the data looks like: per table, the row count and an md5 of the rows. `all` covers
 * everything; `kept` leaves out what a refused request may write on purpose (a failed sign-in's
 * audit entry). Sessions are compared without their last-used time and expiry, which reading
 * with them may move.
 */
export interface Fingerprint {
  all: string;
  kept: string;
}

const tableDigest = (rows: string) =>
  `(select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ${rows} t)`;

const DIGESTS = {
  users: 'users',
  sessions: '(select id, secret_hash, user_id, user_agent, ip, created_at from sessions)',
  articles: 'articles',
  tags: 'tags',
  article_tags: 'article_tags',
  favorites: 'favorites',
  follows: 'follows',
  comments: 'comments',
  counters: 'counters',
};
const KEPT_AUDIT = "(select * from audit_log where action <> 'auth.login.failed')";

const FINGERPRINT_QUERY = sql.raw(
  `select ${Object.entries(DIGESTS)
    .map(([name, rows]) => `${tableDigest(rows)} as "${name}"`)
    .join(
      ', ',
    )}, ${tableDigest('audit_log')} as audit_all, ${tableDigest(KEPT_AUDIT)} as audit_kept`,
);

export async function fingerprint(db: Database): Promise<Fingerprint> {
  const result: unknown = await db.execute(FINGERPRINT_QUERY);
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  const { audit_all, audit_kept, ...tables } = rows[0] as Record<string, string>;
  const data = Object.entries(tables)
    .map(([name, digest]) => `${name}=${digest}`)
    .join(' ');
  return { all: `${data} audit=${audit_all}`, kept: `${data} audit=${audit_kept}` };
}

/** The tables whose digests differ between two fingerprints, for the failure report. */
export function changedTables(before: string, after: string): string[] {
  const parse = (text: string) =>
    new Map(text.split(' ').map((part) => part.split('=', 2) as [string, string]));
  const a = parse(before);
  return [...parse(after)].filter(([name, digest]) => a.get(name) !== digest).map(([n]) => n);
}
