// Phase `feed` (decision 036): the feed's first page for readers who follow from a few to many
// thousands of authors, over tRPC and REST, on a database filled by the set-based generator. The
// plan is chosen per request from the reader's follows; this shows whether its cost stays flat.
// PostgreSQL only.
import { createCaller, createTRPCContext } from '@conduit/api';
import { createDb } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import postgres from 'postgres';
import type { Read } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { seedLarge } from '../seed-large';
import { createDatabase, startServer } from '../servers';
import { type BenchContext, measureInTurns, thousands, turnsSubtitle } from './common';

/** Each reader: how many authors they follow, and their session token. */
interface Reader {
  follows: number;
  token: string;
}

export async function runFeed(context: BenchContext, serverUrl: string): Promise<PhaseResult> {
  const { feedArticles, feedFollows } = context.options;
  const database = await createDatabase(serverUrl, context.work, 'feed');
  const notes: string[] = [];
  const rows: ResultRow[] = [];
  try {
    context.log(`feed: generating ${thousands.format(feedArticles)} articles...`);
    const conn = await createDb(database.config);
    let readers: Reader[];
    try {
      await conn.migrate();
      await seedDatabase(conn.db, { users: 0, articles: 0, seed: 42 });
      const sql = postgres(database.env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
      try {
        // Enough authors for the largest reader: one for every ten articles, and at least as many
        // writers as the most followed count (the generator leaves some accounts without articles).
        const users = Math.max(Math.round(feedArticles / 10), 2 * Math.max(...feedFollows));
        const stats = await seedLarge(sql, {
          articles: feedArticles,
          users,
          onStep: (step) => context.log(`  ${step}`),
        });
        notes.push(
          `Generated ${thousands.format(stats.articles)} articles by ${thousands.format(stats.users)} users in ${stats.seconds.toFixed(1)} s.`,
        );
        readers = await makeReaders(conn.db, sql, feedFollows, notes);
        await sql`vacuum analyze follows`;
      } finally {
        await sql.end();
      }
    } finally {
      await conn.close();
    }

    const server = await startServer(database, { CACHE_TTL_MS: '0' });
    try {
      for (const reader of readers) {
        const read: Read = {
          name: `feed, ${thousands.format(reader.follows)} follows`,
          trpc: { procedure: 'article.feed', input: { limit: 20 } },
          rest: '/api/articles/feed?limit=20',
          authed: true,
        };
        const headers = { authorization: `Token ${reader.token}` };
        rows.push(...(await measureInTurns(context, server.url, read, headers)));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
  return {
    phase: 'feed',
    title: 'The feed by follows: first page as the followed set grows',
    subtitle:
      `PostgreSQL, ${thousands.format(feedArticles)} articles, cache off, ` +
      turnsSubtitle(context.options),
    variants: ['tRPC', 'REST'],
    rows,
    notes,
  };
}

/**
 * Signs up one reader per follow count, each following that many of the site's most prolific
 * authors (the ones whose articles fill a feed most), and notes what each follows.
 */
async function makeReaders(
  db: Parameters<typeof createTRPCContext>[0]['db'],
  sql: postgres.Sql,
  counts: number[],
  notes: string[],
): Promise<Reader[]> {
  const anonymous = createCaller(() => createTRPCContext({ db }));
  const readers: Reader[] = [];
  for (const follows of counts) {
    const username = `feed${follows}`;
    const { token } = await anonymous.auth.register({
      email: `${username}@example.com`,
      username,
      password: 'benchmark-password',
    });
    const [followed] = await sql<{ follows: number; articles: number }[]>`
      with chosen as (
        select id, articles_count from users
        where articles_count > 0 and username <> ${username}
        order by articles_count desc, id
        limit ${follows}
      ), added as (
        insert into follows (follower_id, followee_id)
        select (select id from users where username = ${username}), id from chosen
        returning followee_id
      )
      select (select count(*)::int from added) as follows,
             (select coalesce(sum(articles_count), 0)::int from chosen) as articles`;
    if (!followed || followed.follows < follows)
      throw new Error(
        `only ${followed?.follows ?? 0} authors with articles to follow, asked ${follows}`,
      );
    notes.push(
      `${username} follows ${thousands.format(followed.follows)} authors with ${thousands.format(followed.articles)} articles between them.`,
    );
    readers.push({ follows, token });
  }
  return readers;
}
