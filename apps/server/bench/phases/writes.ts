// Phase `writes`: the writes readers make most, over tRPC and REST in turns, on one server with the
// cache on (in Redis with --redis-url: a write's invalidation is part of its cost), signed in as
// the bench's reader. A new article (a Markdown body, three tags, a title new in every request)
// and a new comment on one article (decision 049). Last in the run: what it writes stays in the
// shared database.
import { onlyNamed, type ReadInputs } from '../reads';
import type { PhaseResult, ResultRow } from '../results';
import { startServer } from '../servers';
import {
  type BenchContext,
  type BenchRequest,
  redisSetting,
  requestsInTurns,
  type SharedData,
  sharedTurnsSubtitle,
} from './common';

export interface Write {
  /** As it appears in the tables: the tRPC procedure. */
  name: string;
  trpc: { path: string; body: unknown };
  rest: { path: string; body: unknown };
}

/** The body of an article, as a writer's would be: a few blocks of Markdown. */
const ARTICLE_BODY = [
  '## What changed',
  '',
  'A paragraph with *emphasis*, a [link](https://example.com) and `code`, long enough to read ' +
    'like one: the kind of note a team writes after a week of work.',
  '',
  '- one',
  '- two',
  '- three',
].join('\n');

/** The writes measured, the same input over both surfaces; `[<id>]` differs in each request. */
export function benchWrites(inputs: ReadInputs): Write[] {
  const article = {
    title: 'Written by the bench [<id>]',
    description: 'What a week of writing taught us',
    body: ARTICLE_BODY,
    tagList: ['bench', 'writes', 'postgres'],
  };
  const comment = { body: 'A reply with a few words in it.' };
  const slug = encodeURIComponent(inputs.slug);
  return [
    {
      name: 'article.create',
      trpc: { path: '/trpc/article.create', body: article },
      rest: { path: '/api/articles', body: { article } },
    },
    {
      name: 'comment.create',
      trpc: { path: '/trpc/comment.create', body: { slug: inputs.slug, ...comment } },
      rest: { path: `/api/articles/${slug}/comments`, body: { comment } },
    },
  ];
}

export async function runWrites(context: BenchContext, data: SharedData): Promise<PhaseResult> {
  const writes = onlyNamed(benchWrites(data.inputs), context.options.endpoints);
  const headers = {
    authorization: `Token ${data.inputs.token}`,
    'content-type': 'application/json',
  };
  const rows: ResultRow[] = [];
  const server = await startServer(data.database, { REDIS_URL: context.options.redisUrl });
  try {
    for (const write of writes) {
      context.log(`writes: ${write.name}...`);
      const request = ({ path, body }: Write['trpc']): BenchRequest => ({
        base: server.url,
        path,
        headers,
        method: 'POST',
        body: JSON.stringify(body),
      });
      rows.push(
        ...(await requestsInTurns(context, write.name, request(write.trpc), request(write.rest))),
      );
    }
  } finally {
    await server.stop();
  }
  return {
    phase: 'writes',
    title: 'Writes: a new article, a new comment (cache on)',
    subtitle: sharedTurnsSubtitle(context, data, redisSetting(context)),
    variants: ['tRPC', 'REST'],
    rows,
    notes: [
      'Signed in as the bench reader. Each article has a Markdown body of seven lines, three ' +
        'tags and a title new in every request; each comment goes to the same article.',
    ],
  };
}
