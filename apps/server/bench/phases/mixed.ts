// Phase `mixed`: reads with writes beside them (issue 16: a cache that is never stale after a
// write, measured as it will be from outside). One server, the cache on (in Redis with
// --redis-url); article.list, article.get and profile.get over tRPC and REST (in turns, as the
// cache phase), first alone, then with a writer beside them: the bench's reader toggling
// favorites on the first page's articles at WRITES_PER_SECOND, each toggle read back at once
// anonymously, over tRPC and REST in turn. An answer that does not show the count the toggle
// answered is a stale read, and fails the phase.
import { mainReads, onlyNamed, type ReadInputs, trpcPath } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startServer } from '../servers';
import {
  type BenchContext,
  measureRead,
  redisSetting,
  type SharedData,
  sharedTurnsSubtitle,
  thousands,
} from './common';

/** Favorite toggles per second the writer aims at (each also reads the article back). */
const WRITES_PER_SECOND = 20;

/** The reads measured: the first page every toggle invalidates, one article, a profile no toggle touches. */
const MIXED_READS = ['article.list', 'article.get', 'profile.get'];

export async function runMixed(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const reads = onlyNamed(
    mainReads(data.inputs).filter((read) => MIXED_READS.includes(read.name)),
    context.options.endpoints,
  );
  const rows: ResultRow[] = [];
  const server = await startServer(data.database, { REDIS_URL: context.options.redisUrl });
  const tally = emptyTally();
  try {
    for (const read of reads) {
      context.log(`mixed: ${read.name} alone, then with writes...`);
      rows.push(...(await measureRead(context, server.url, read, data, 'alone, ')));
      const writer = startWriter(server.url, data.inputs, WRITES_PER_SECOND, tally);
      try {
        rows.push(...(await measureRead(context, server.url, read, data, 'with writes, ')));
      } finally {
        await writer.stop();
      }
    }
  } finally {
    await server.stop();
  }
  if (tally.stale.length > 0)
    throw new Error(`${tally.stale.length} stale reads after a write, first: ${tally.stale[0]}`);
  return {
    phase: 'mixed',
    title: 'Reads with writes beside them (cache on)',
    subtitle: sharedTurnsSubtitle(context, data, redisSetting(context)),
    variants: ['alone, tRPC', 'alone, REST', 'with writes, tRPC', 'with writes, REST'],
    rows,
    notes: [
      `Writes: ${thousands.format(tally.writes)} favorite toggles (aiming at ${WRITES_PER_SECOND}/s) by one ` +
        `signed-in reader on the first page's articles, each read back at once anonymously over ` +
        `tRPC and REST in turn: ${thousands.format(tally.checks)} checks, none stale` +
        (tally.failures.length > 0
          ? `; ${tally.failures.length} writes failed, first: ${tally.failures[0]}`
          : '.'),
    ],
  };
}

interface WriterTally {
  writes: number;
  checks: number;
  /** What each stale read showed, and what the write had answered. */
  stale: string[];
  failures: string[];
}

const emptyTally = (): WriterTally => ({ writes: 0, checks: 0, stale: [], failures: [] });

/** An article's favorites count in an answer of `article.get` over tRPC or REST. */
export function favoritesCountIn(surface: 'tRPC' | 'REST', body: unknown): number | undefined {
  const answer = (body ?? {}) as {
    article?: { favoritesCount?: unknown };
    result?: { data?: { article?: { favoritesCount?: unknown } } };
  };
  const count =
    surface === 'REST'
      ? answer.article?.favoritesCount
      : answer.result?.data?.article?.favoritesCount;
  return typeof count === 'number' ? count : undefined;
}

/**
 * The writer, in a loop until stopped: favorite, read back, unfavorite, read back, the next of
 * the first page's articles each time, paced to `perSecond` toggles; counted into `tally`.
 */
function startWriter(
  base: string,
  inputs: ReadInputs,
  perSecond: number,
  tally: WriterTally,
): { stop(): Promise<void> } {
  let running = true;
  const auth = { authorization: `Token ${inputs.token}` };
  const loop = (async () => {
    const page = (await (await fetch(`${base}/api/articles?limit=20`)).json()) as {
      articles: { slug: string }[];
    };
    const slugs = page.articles.map((article) => article.slug);
    const started = performance.now();
    for (let step = 0; running && slugs.length > 0; step += 1) {
      // Each article favorited, then unfavorited; each pair read back over one surface.
      const slug = slugs[Math.floor(step / 2) % slugs.length] as string;
      const method = step % 2 === 0 ? 'POST' : 'DELETE';
      const surface = step % 4 < 2 ? 'tRPC' : 'REST';
      try {
        const written = await fetch(`${base}/api/articles/${encodeURIComponent(slug)}/favorite`, {
          method,
          headers: auth,
        });
        const answered = favoritesCountIn('REST', await written.json());
        if (!written.ok || answered === undefined) {
          tally.failures.push(`${method} favorite of ${slug}: ${written.status}`);
        } else {
          tally.writes += 1;
          const path =
            surface === 'REST'
              ? `/api/articles/${encodeURIComponent(slug)}`
              : trpcPath({
                  name: 'article.get',
                  trpc: { procedure: 'article.get', input: { slug } },
                });
          const seen = favoritesCountIn(surface, await (await fetch(`${base}${path}`)).json());
          tally.checks += 1;
          if (seen !== answered)
            tally.stale.push(
              `${surface} ${path} showed ${seen} after a ${method} answered ${answered}`,
            );
        }
      } catch (error) {
        tally.failures.push(error instanceof Error ? error.message : String(error));
      }
      const due = started + ((step + 1) * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
