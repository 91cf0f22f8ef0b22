// Phase `cache`: the reads over tRPC and REST (in turns, as the paths phase) with the hot-read
// cache off (CACHE_TTL_MS=0), then on (the server's default TTL), one server start each. A cached
// read that a personal flag depends on (favorited, following) still asks the database for that
// viewer's flags; the feed's first page is kept per reader, flags included (decision 038).
import { cacheReads, onlyNamed } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startServer } from '../servers';
import {
  type BenchContext,
  measureRead,
  pairedRatiosNote,
  type SharedData,
  thousands,
  turnsSubtitle,
} from './common';

export async function runCache(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const reads = onlyNamed(cacheReads(data.inputs, data.articles), context.options.endpoints);
  const store = context.options.redisUrl ? 'Redis (with the in-process tier)' : 'in process';
  const settings = [
    { name: 'cache off', env: { CACHE_TTL_MS: '0' } },
    // Unset: whatever the server's default TTL is.
    { name: 'cache on', env: { CACHE_TTL_MS: undefined } },
  ];
  const rows: ResultRow[] = [];
  for (const setting of settings) {
    context.log(`cache: ${setting.name}...`);
    const server = await startServer(data.database, {
      ...setting.env,
      REDIS_URL: context.options.redisUrl,
    });
    try {
      for (const read of reads)
        rows.push(...(await measureRead(context, server.url, read, data, `${setting.name}, `)));
    } finally {
      await server.stop();
    }
  }
  return {
    phase: 'cache',
    title: 'Hot-read cache: off vs on, tRPC and REST',
    subtitle:
      `${data.database.label}, ${thousands.format(data.articles)} articles, cache ${store} ` +
      `(on = the server's default CACHE_TTL_MS), ` +
      turnsSubtitle(context.options),
    variants: settings.flatMap((setting) => [`${setting.name}, tRPC`, `${setting.name}, REST`]),
    rows,
    notes: [
      "Cached (decision 038): article.get, article.list (unfiltered, by tag, by author, by offset or cursor), profile.get, tag.list, and the first page of article.feed per reader; the reader's session too. Lists of what someone favorited are not.",
      ...settings.flatMap((setting) => pairedRatiosNote(rows, `${setting.name}, `)),
    ],
  };
}
