// A bounded write load for the outage tests: articles created one after another through the app,
// and afterwards, straight from PostgreSQL, the acknowledged ones that are missing.
import { articles, createDb } from '@conduit/db';
import type { FastifyInstance } from 'fastify';
import { mutate } from './http';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes up to `max` articles, one every ~10 ms, until stopped; counts what was acknowledged. */
export function startWriteLoad(app: FastifyInstance, token: string, max = 400) {
  const acknowledged: string[] = [];
  const refused: number[] = [];
  let writing = true;
  const done = (async () => {
    for (let n = 0; n < max && writing; n++) {
      const response = await mutate(
        app,
        'article.create',
        { title: `Written through an outage ${n}`, description: 'd', body: 'b', tagList: [] },
        { authorization: `Bearer ${token}` },
      );
      if (response.statusCode === 200) acknowledged.push(response.json().result.data.article.slug);
      else refused.push(response.statusCode);
      await sleep(10);
    }
  })();
  return {
    acknowledged,
    refused,
    async stop() {
      writing = false;
      await done;
    },
  };
}

/** The slugs among `acknowledged` that the database at `url` does not hold. */
export async function missingArticles(url: string, acknowledged: string[]): Promise<string[]> {
  const check = await createDb({ url, poolMax: 1 });
  try {
    const rows = await check.db.select({ slug: articles.slug }).from(articles);
    const stored = new Set(rows.map((row) => row.slug));
    return acknowledged.filter((slug) => !stored.has(slug));
  } finally {
    await check.close();
  }
}

/** Polls until `check` holds, for at most `tries` × `everyMs`; whether it did. */
export async function eventually(
  check: () => Promise<boolean>,
  tries = 100,
  everyMs = 100,
): Promise<boolean> {
  for (let n = 0; n < tries; n++) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}
