// Phase `mixed`: reads with writes beside them (issue 16: a cache that is never stale after a
// write, measured as it will be from outside). One server, the cache on (in Redis with
// --redis-url); article.list, article.get and profile.get over tRPC and REST (in turns, as the
// cache phase), first alone, then with a writer beside them: the bench's reader toggling
// favorites on the first page's articles (WRITES_PER_SECOND steps), each toggle read back at once
// anonymously, over tRPC and REST in turn; every tenth step instead an article of its own is
// created, edited and deleted, each read back the same way (the first page, the article). An
// answer that does not show what the write answered is a stale read, and fails the phase.
import { mainReads, onlyNamed, type ReadInputs, trpcPath } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startServer } from '../servers';
import {
  type BenchContext,
  measureRead,
  redisSetting,
  type SharedData,
  type Surface,
  sharedTurnsSubtitle,
  thousands,
} from './common';

/** Steps per second the writer aims at: favorite toggles, and one step in ten an article's life. */
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
      `Writes: ${thousands.format(tally.writes)} favorite toggles on the first page's articles ` +
        `and, one step in ten, ${thousands.format(tally.lifecycles)} articles created, edited and ` +
        `deleted, by one signed-in reader aiming at ${WRITES_PER_SECOND} steps a second; each ` +
        `write read back at once anonymously (the article, and the first page for the articles ` +
        `written) over tRPC and REST in turn: ${thousands.format(tally.checks)} checks, none stale` +
        (tally.failures.length > 0
          ? `; ${tally.failures.length} writes failed, first: ${tally.failures[0]}`
          : '.'),
    ],
  };
}

interface WriterTally {
  writes: number;
  /** Articles created, edited and deleted. */
  lifecycles: number;
  checks: number;
  /** What each stale read showed, and what the write had answered. */
  stale: string[];
  failures: string[];
}

const emptyTally = (): WriterTally => ({
  writes: 0,
  lifecycles: 0,
  checks: 0,
  stale: [],
  failures: [],
});

/** What an answer carries over either surface: REST's body, or tRPC's `result.data`. */
function dataOf(surface: Surface, body: unknown): Record<string, unknown> {
  const answer = (body ?? {}) as { result?: { data?: unknown } };
  const data = surface === 'REST' ? answer : answer.result?.data;
  return (data ?? {}) as Record<string, unknown>;
}

/** The article of an answer of `article.get` (or a write's) over tRPC or REST. */
function articleOf(surface: Surface, body: unknown): Record<string, unknown> {
  return (dataOf(surface, body).article ?? {}) as Record<string, unknown>;
}

/** An article's favorites count in an answer of `article.get` over tRPC or REST. */
export function favoritesCountIn(surface: Surface, body: unknown): number | undefined {
  const count = articleOf(surface, body).favoritesCount;
  return typeof count === 'number' ? count : undefined;
}

interface Listed {
  slug: string;
  description: string;
}

/** The articles of a list page (`article.list`) over tRPC or REST. */
export function pageArticlesIn(surface: Surface, body: unknown): Listed[] | undefined {
  const { articles } = dataOf(surface, body);
  if (!Array.isArray(articles)) return undefined;
  return articles.map((article: Partial<Listed>) => ({
    slug: String(article.slug),
    description: String(article.description),
  }));
}

/** An article's description in an answer of `article.get` over tRPC or REST. */
export function descriptionIn(surface: Surface, body: unknown): string | undefined {
  const { description } = articleOf(surface, body);
  return typeof description === 'string' ? description : undefined;
}

/** Where the first page and an article are read, over each surface. */
function readPaths(surface: Surface, slug: string) {
  return surface === 'REST'
    ? { page: '/api/articles?limit=20', article: `/api/articles/${encodeURIComponent(slug)}` }
    : {
        page: trpcPath({
          name: 'article.list',
          trpc: { procedure: 'article.list', input: { limit: 20 } },
        }),
        article: trpcPath({
          name: 'article.get',
          trpc: { procedure: 'article.get', input: { slug } },
        }),
      };
}

/**
 * An article of the writer's own, created, edited (its description) and deleted, each write read
 * back at once anonymously over `surface`: the first page must show it, then its new description
 * (and so must the article), then no longer list it, the article answering 404.
 */
async function lifecycle(
  base: string,
  auth: Record<string, string>,
  surface: Surface,
  n: number,
  tally: WriterTally,
): Promise<void> {
  const write = async (method: string, path: string, article?: object) => {
    const answer = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(article ? { 'content-type': 'application/json' } : {}) },
      ...(article ? { body: JSON.stringify({ article }) } : {}),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as { article?: { slug?: string } }) : {};
  };
  const read = async (path: string) => {
    const answer = await fetch(`${base}${path}`);
    tally.checks += 1;
    return { status: answer.status, body: (await answer.json()) as unknown };
  };
  const stale = (path: string, what: string) => tally.stale.push(`${surface} ${path} ${what}`);

  const created = await write('POST', '/api/articles', {
    title: `Written beside the readers ${n} ${Date.now()}`,
    description: 'as created',
    body: 'A body.',
    tagList: [],
  });
  const slug = created.article?.slug;
  if (typeof slug !== 'string') throw new Error('POST /api/articles: no slug in the answer');
  const paths = readPaths(surface, slug);
  const listed = async () =>
    pageArticlesIn(surface, (await read(paths.page)).body)?.find((one) => one.slug === slug);
  if (!(await listed())) stale(paths.page, `did not list ${slug} after its creation`);

  await write('PUT', `/api/articles/${encodeURIComponent(slug)}`, { description: 'as edited' });
  const onPage = (await listed())?.description;
  if (onPage !== 'as edited') stale(paths.page, `showed ${slug} as ${onPage} after its edit`);
  const alone = descriptionIn(surface, (await read(paths.article)).body);
  if (alone !== 'as edited') stale(paths.article, `showed ${alone} after its edit`);

  await write('DELETE', `/api/articles/${encodeURIComponent(slug)}`);
  if (await listed()) stale(paths.page, `still listed ${slug} after its deletion`);
  const gone = await read(paths.article);
  if (gone.status !== 404) stale(paths.article, `answered ${gone.status} after its deletion`);
  tally.lifecycles += 1;
}

/**
 * The writer, in a loop until stopped: favorite, read back, unfavorite, read back, the next of
 * the first page's articles each time, and every tenth step an article's life instead
 * (`lifecycle`), paced to `perSecond` steps; counted into `tally`.
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
    let toggle = 0;
    for (let step = 0; running && slugs.length > 0; step += 1) {
      if (step % 10 === 9) {
        // Every tenth step: an article of its own, over each surface in turn.
        try {
          await lifecycle(base, auth, step % 20 === 9 ? 'tRPC' : 'REST', step, tally);
        } catch (error) {
          tally.failures.push(error instanceof Error ? error.message : String(error));
        }
        continue;
      }
      // Each article favorited, then unfavorited; each pair read back over one surface.
      const slug = slugs[Math.floor(toggle / 2) % slugs.length] as string;
      const method = toggle % 2 === 0 ? 'POST' : 'DELETE';
      const surface = toggle % 4 < 2 ? 'tRPC' : 'REST';
      toggle += 1;
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
          const path = readPaths(surface, slug).article;
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
