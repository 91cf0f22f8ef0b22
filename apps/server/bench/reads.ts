// The read endpoints measured, over tRPC and over REST, and the realistic inputs they are given.
import { createCaller, createTRPCContext } from '@conduit/api';
import { articles, asc, type Database, desc, sql, users } from '@conduit/db';
import type { BaselinePlan, CapturedStatement } from './baseline';

/** What the reads are asked for, picked from the seeded data. */
export interface ReadInputs {
  /** An article near the top of the list. */
  slug: string;
  /** That article's title: what searches look for. */
  title: string;
  /** The most used tag. */
  tag: string;
  /** The author with the most articles. */
  username: string;
  /** The reader's session token (`Authorization: Token <t>`); the reader follows 30 authors. */
  token: string;
  /** A cursor half-way down the global list (only picked for the size phase). */
  middleCursor?: string;
}

export interface Read {
  /** As it appears in the tables: the tRPC procedure, with a hint at the input. */
  name: string;
  trpc: { procedure: string; input?: unknown };
  /** The RealWorld REST equivalent, if it has one (cursors are tRPC's only). */
  rest?: string;
  authed?: boolean;
}

export function trpcPath(read: Read): string {
  const search =
    read.trpc.input === undefined
      ? ''
      : `?input=${encodeURIComponent(JSON.stringify(read.trpc.input))}`;
  return `/trpc/${read.trpc.procedure}${search}`;
}

export function headersFor(read: Read, inputs: ReadInputs): Record<string, string> {
  return read.authed ? { authorization: `Token ${inputs.token}` } : {};
}

/** The six reads of the paths, cache and scale phases. REST /tags shows 100 tags; tRPC asks for as many. */
export function mainReads(inputs: ReadInputs): Read[] {
  const tag = encodeURIComponent(inputs.tag);
  return [
    {
      name: 'article.list',
      trpc: { procedure: 'article.list', input: { limit: 20 } },
      rest: '/api/articles?limit=20',
    },
    {
      name: 'article.list?tag',
      trpc: { procedure: 'article.list', input: { tag: inputs.tag, limit: 20 } },
      rest: `/api/articles?tag=${tag}&limit=20`,
    },
    {
      name: 'article.get',
      trpc: { procedure: 'article.get', input: { slug: inputs.slug } },
      rest: `/api/articles/${encodeURIComponent(inputs.slug)}`,
    },
    {
      name: 'article.feed',
      trpc: { procedure: 'article.feed', input: { limit: 20 } },
      rest: '/api/articles/feed?limit=20',
      authed: true,
    },
    { name: 'tag.list', trpc: { procedure: 'tag.list', input: { limit: 100 } }, rest: '/api/tags' },
    {
      name: 'profile.get',
      trpc: { procedure: 'profile.get', input: { username: inputs.username } },
      rest: `/api/profiles/${encodeURIComponent(inputs.username)}`,
    },
  ];
}

/**
 * The reads of the cache phase: the main six, and the other list pages the cache keeps (by
 * author, a page by offset), each over tRPC and REST. `articles` bounds the offset.
 */
export function cacheReads(inputs: ReadInputs, articles: number): Read[] {
  const offset = Math.max(0, Math.min(DEEP_OFFSET, articles - 20));
  const author = encodeURIComponent(inputs.username);
  return [
    ...mainReads(inputs),
    {
      name: 'article.list?author',
      trpc: { procedure: 'article.list', input: { author: inputs.username, limit: 20 } },
      rest: `/api/articles?author=${author}&limit=20`,
    },
    {
      name: `article.list offset=${offset}`,
      trpc: { procedure: 'article.list', input: { limit: 20, offset } },
      rest: `/api/articles?limit=20&offset=${offset}`,
    },
  ];
}

/** The deepest full page `offset` reaches at 10k articles (the API's OFFSET_MAX is 10,000). */
export const DEEP_OFFSET = 9_980;

/** The reads of the size phase: how page cost grows with the table (tRPC; cursors are tRPC's). */
export function pageReads(inputs: ReadInputs): Read[] {
  return [
    { name: 'article.list', trpc: { procedure: 'article.list', input: { limit: 20 } } },
    {
      name: `article.list offset=${DEEP_OFFSET}`,
      trpc: { procedure: 'article.list', input: { limit: 20, offset: DEEP_OFFSET } },
    },
    {
      name: 'article.list cursor@50%',
      trpc: { procedure: 'article.list', input: { limit: 20, cursor: inputs.middleCursor } },
    },
    {
      name: 'article.list?tag',
      trpc: { procedure: 'article.list', input: { tag: inputs.tag, limit: 20 } },
    },
    { name: 'article.get', trpc: { procedure: 'article.get', input: { slug: inputs.slug } } },
    {
      name: 'article.feed',
      trpc: { procedure: 'article.feed', input: { limit: 20 } },
      authed: true,
    },
    ...searchReads(inputs).slice(0, 2),
  ];
}

/** Words of a title a reader might type: letters only, longest first, no short ones. */
function titleWords(title: string): string[] {
  const words = title.toLowerCase().match(/\p{L}{4,}/gu) ?? [];
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/**
 * Typical searches (decision 030): the most used tag (the most matches: ranking is capped), two
 * words of a title, and a phrase; with their REST equivalents.
 */
export function searchReads(inputs: ReadInputs): Read[] {
  const [first = inputs.tag, second = inputs.tag] = titleWords(inputs.title);
  const phrase = inputs.title.split(/\s+/).slice(0, 3).join(' ');
  const queries: [string, string][] = [
    ['article.search?tag', inputs.tag],
    ['article.search two words', `${first} ${second}`],
    ['article.search "phrase"', `"${phrase}"`],
    ['article.search page 20', inputs.tag],
  ];
  return queries.map(([name, q]) => {
    const offset = name.endsWith('page 20') ? 380 : 0;
    const params = new URLSearchParams({
      q,
      limit: '20',
      ...(offset ? { offset: String(offset) } : {}),
    });
    return {
      name,
      trpc: { procedure: 'article.search', input: { q, limit: 20, ...(offset ? { offset } : {}) } },
      rest: `/api/search?${params}`,
    };
  });
}

export function onlyNamed<T extends { name: string }>(
  reads: T[],
  names: string[] | undefined,
): T[] {
  return names === undefined ? reads : reads.filter((read) => names.includes(read.name));
}

/**
 * Picks the inputs from a seeded database and signs up the reader (`bench`), who follows the 30
 * earliest accounts (the seeders' most prolific writers). With `middleCursor`, also a cursor
 * half-way down the newest-first list.
 */
export async function prepareInputs(
  db: Database,
  options: { middleCursor?: boolean } = {},
): Promise<ReadInputs> {
  const [sample] = await db
    .select({ slug: articles.slug, title: articles.title })
    .from(articles)
    .orderBy(desc(articles.id))
    .offset(10)
    .limit(1);
  const [prolific] = await db
    .select({ username: users.username, count: sql<number>`count(*)::int` })
    .from(articles)
    .innerJoin(users, sql`${users.id} = ${articles.authorId}`)
    .groupBy(users.username)
    .orderBy(sql`count(*) desc`)
    .limit(1);
  const anonymous = createCaller(() => createTRPCContext({ db }));
  const tag = (await anonymous.tag.list({ limit: 1 })).tags[0];
  if (!sample || !prolific || !tag) throw new Error('the database holds no articles to read');
  const { token } = await anonymous.auth.register({
    email: 'bench@example.com',
    username: 'bench',
    password: 'benchmark-password',
  });
  const reader = createCaller(() =>
    createTRPCContext({ db, sessionToken: { value: token, from: 'header' } }),
  );
  const authors = await db
    .select({ username: users.username })
    .from(users)
    .orderBy(asc(users.id))
    .limit(31);
  for (const author of authors.filter((a) => a.username !== 'bench').slice(0, 30))
    await reader.profile.follow(author);

  const inputs: ReadInputs = {
    slug: sample.slug,
    title: sample.title,
    tag,
    username: prolific.username,
    token,
  };
  if (options.middleCursor) {
    // The API's cursor: base64url of `<created_at, UTC, to the microsecond>|<id>`.
    const [total] = await db.select({ count: sql<number>`count(*)::int` }).from(articles);
    const [row] = await db
      .select({
        at: sql<string>`to_char(${articles.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        id: articles.id,
      })
      .from(articles)
      .orderBy(sql`${articles.createdAt} desc, ${articles.id} desc`)
      .offset(Math.floor((total?.count ?? 0) / 2))
      .limit(1);
    if (!row) throw new Error('no article half-way down the list');
    inputs.middleCursor = Buffer.from(`${row.at}|${row.id}`, 'utf8').toString('base64url');
  }
  return inputs;
}

/**
 * Calls each read in process once and records the SQL it sent: what the bare route replays.
 * `db` must be a connection whose `onQuery` pushes into `capture.into` while it is set.
 */
export async function capturePlan(
  db: Database,
  capture: { into: CapturedStatement[] | undefined },
  reads: Read[],
  inputs: ReadInputs,
): Promise<BaselinePlan> {
  const plan: BaselinePlan = {};
  for (const read of reads) {
    const statements: CapturedStatement[] = [];
    capture.into = statements;
    const caller = createCaller(() =>
      createTRPCContext({
        db,
        sessionToken: read.authed ? { value: inputs.token, from: 'header' } : undefined,
      }),
    );
    const [area, procedure] = read.trpc.procedure.split('.') as [string, string];
    const router = (
      caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>
    )[area];
    await router?.[procedure]?.(read.trpc.input);
    capture.into = undefined;
    plan[read.name] = statements;
  }
  return plan;
}
