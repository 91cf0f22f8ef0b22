// Phase `size`: how page latency grows with the table. For each --size-articles, a database is
// filled by the set-based generator (seed-large.ts), one server started (cache off, so every
// request reaches the database) and the page reads measured over tRPC. PostgreSQL only.
import { createDb } from '@conduit/db';
import { seedDatabase } from '@conduit/db/seed';
import postgres from 'postgres';
import { onlyNamed, pageReads, prepareInputs, type Read, searchReads } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { seedLarge } from '../seed-large';
import { createDatabase, startServer } from '../servers';
import { type BenchContext, measureReads, thousands } from './common';
import { explainSearch } from './search';

export async function runSize(context: BenchContext, serverUrl: string): Promise<PhaseResult> {
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const variants: string[] = [];
  for (const size of context.options.sizeArticles) {
    const variant = `${thousands.format(size)} articles`;
    variants.push(variant);
    const database = await createDatabase(serverUrl, context.work, `size_${size}`);
    try {
      context.log(`size: generating ${variant}...`);
      const conn = await createDb(database.config);
      let inputs: Awaited<ReturnType<typeof prepareInputs>>;
      try {
        await conn.migrate();
        // Writes just the tag vocabulary, which the generator draws from.
        await seedDatabase(conn.db, { users: 0, articles: 0, seed: 42 });
        const sql = postgres(database.env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
        try {
          const stats = await seedLarge(sql, {
            articles: size,
            onStep: (step) => context.log(`  ${step}`),
          });
          notes.push(
            `${variant}: generated in ${stats.seconds.toFixed(1)} s ` +
              `(${thousands.format(stats.users)} users, ${thousands.format(stats.follows)} follows, ` +
              `${thousands.format(stats.articleTags)} article tags, ${thousands.format(stats.favorites)} favorites; ` +
              'keys and indexes rebuilt, then vacuum analyze).',
          );
          context.log(`  done in ${stats.seconds.toFixed(1)} s`);
        } finally {
          await sql.end();
        }
        inputs = await prepareInputs(conn.db, { middleCursor: true });
      } finally {
        await conn.close();
      }
      const reads: Read[] = onlyNamed(pageReads(inputs), context.options.endpoints);
      // The searches measured, as PostgreSQL plans them at this size (decision 030).
      for (const search of onlyNamed(searchReads(inputs).slice(0, 2), context.options.endpoints)) {
        const { q } = search.trpc.input as { q: string };
        const plan = await explainSearch(context, database, inputs, search);
        notes.push(`${variant}: ${search.name} is q=${JSON.stringify(q)}`);
        notes.push(...plan.map((line) => `${variant}: ${line}`));
      }
      const server = await startServer(database, { CACHE_TTL_MS: '0' });
      try {
        rows.push(...(await measureReads(context, server.url, reads, inputs, variant)));
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
    }
  }
  const { connections, durationSeconds } = context.options;
  return {
    phase: 'size',
    title: 'Data size: page latency as the table grows',
    subtitle: `PostgreSQL, tRPC, cache off, ${connections} connections, ${durationSeconds} s each; users = articles / 20`,
    variants,
    rows,
    notes,
  };
}
