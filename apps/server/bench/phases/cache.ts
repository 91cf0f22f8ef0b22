// Phase `cache`: the reads over tRPC with the hot-read cache off (CACHE_TTL_MS=0), then on (the
// server's default TTL), one server start each. A cached read that a personal flag depends on
// (favorited, following) still asks the database for that viewer's flags.
import { mainReads, onlyNamed } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startServer } from '../servers';
import { type BenchContext, measureReads, type SharedData, thousands } from './common';

export async function runCache(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const reads = onlyNamed(mainReads(data.inputs), context.options.endpoints);
  const store = context.options.redisUrl ? 'Redis' : 'in process';
  const variants = [
    { name: 'cache off', env: { CACHE_TTL_MS: '0' } },
    // Unset: whatever the server's default TTL is.
    { name: 'cache on', env: { CACHE_TTL_MS: undefined } },
  ];
  const rows: ResultRow[] = [];
  for (const variant of variants) {
    context.log(`cache: ${variant.name}...`);
    const server = await startServer(data.database, {
      ...variant.env,
      REDIS_URL: context.options.redisUrl,
    });
    try {
      rows.push(...(await measureReads(context, server.url, reads, data.inputs, variant.name)));
    } finally {
      await server.stop();
    }
  }
  const { connections, durationSeconds } = context.options;
  return {
    phase: 'cache',
    title: 'Hot-read cache: off vs on',
    subtitle:
      `${data.database.label}, ${thousands.format(data.articles)} articles, tRPC, cache ${store} ` +
      `(on = the server's default CACHE_TTL_MS), ${connections} connections, ${durationSeconds} s each`,
    variants: variants.map((variant) => variant.name),
    rows,
    notes: [
      "Cached: article.list (first page, no filter), article.get, profile.get, tag.list. article.list?tag and article.feed are not; with the cache on, the feed reader's session is.",
    ],
  };
}
