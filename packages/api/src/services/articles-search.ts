// Full-text search over articles (decision 030): the GIN index on articles.search_vector finds the
// matches, the newest SEARCH_MATCHES_RANKED of them are ranked, and only the page asked for is read
// whole and given snippets. Two queries whatever the page size.
import { articles, type Database, desc, eq, inArray, sql, users } from '@conduit/db';
import {
  SEARCH_MATCHES_RANKED,
  type SearchArticlesInput,
  type SearchPage,
} from '../schemas/search';
import { summaryColumns, toSummary } from './articles-view';
import { MATCH_END, MATCH_START, snippetParts } from './snippets';

/**
 * The reader's query. websearch_to_tsquery never fails on syntax: quotes, `or` and `-` mean what
 * they do in a web search engine, any other punctuation separates words.
 */
const tsQuery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/** The search document matches the query (the GIN index answers it). */
const matches = (q: string) => sql`${articles.searchVector} @@ ${tsQuery(q)}`;

/** The body the snippet is cut from: its start, long enough for any passage a reader expects. */
const SNIPPET_SOURCE_LENGTH = 20_000;
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

export async function searchArticles(
  db: Database,
  { q, limit, offset }: SearchArticlesInput,
  viewerId: number | undefined,
): Promise<SearchPage> {
  // Title (A, weight 1.0) over description and tags (B, 0.4) over body (C, 0.2); normalisation 1
  // divides by the log of the document's length, so a long body does not win by repetition alone.
  const candidates = db
    .select({
      id: articles.id,
      rank: sql<number>`ts_rank(${articles.searchVector}, ${tsQuery(q)}, 1)`.as('rank'),
    })
    .from(articles)
    .where(matches(q))
    // The newest matches, a set that does not depend on the plan (an unordered limit would take
    // whichever rows a scan met first, and a synchronised scan starts anywhere in the table): for
    // a common word PostgreSQL walks the primary key backwards and stops early, for a rare one it
    // reads the GIN index and sorts what it found. One more than are shown: whether more match.
    .orderBy(desc(articles.id))
    .limit(SEARCH_MATCHES_RANKED + 1)
    .as('candidates');
  const ranked = await db
    .select({
      id: candidates.id,
      rank: candidates.rank,
      counted: sql<number>`count(*) over ()`.mapWith(Number),
    })
    .from(candidates)
    .orderBy(desc(candidates.rank), desc(candidates.id))
    .limit(Math.max(0, Math.min(limit, SEARCH_MATCHES_RANKED - offset)))
    .offset(offset);
  const counted = ranked[0]?.counted ?? (offset > 0 ? await countMatches(db, q) : 0);
  const page = {
    articlesCount: Math.min(counted, SEARCH_MATCHES_RANKED),
    moreMatches: counted > SEARCH_MATCHES_RANKED,
  };
  if (ranked.length === 0) return { articles: [], ...page };

  const rows = await db
    .select({
      ...summaryColumns(viewerId),
      id: articles.id,
      // Control characters in the text itself are taken out, so only PostgreSQL's marks remain.
      headline: sql<string>`ts_headline('english',
        translate(left(${articles.body}, ${SNIPPET_SOURCE_LENGTH}), ${MATCH_START + MATCH_END}, ''),
        ${tsQuery(q)}, ${HEADLINE_OPTIONS})`,
    })
    .from(articles)
    .innerJoin(users, eq(users.id, articles.authorId))
    .where(
      inArray(
        articles.id,
        ranked.map((row) => row.id),
      ),
    );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return {
    // In rank order; an article deleted between the two queries is simply left out.
    articles: ranked.flatMap(({ id }) => {
      const row = byId.get(id);
      return row ? [{ ...toSummary(row), snippet: snippetParts(row.headline) }] : [];
    }),
    ...page,
  };
}

/** For a page past the last: how many match, up to one more than are ranked. */
async function countMatches(db: Database, q: string): Promise<number> {
  const limited = db
    .select({ id: articles.id })
    .from(articles)
    .where(matches(q))
    .limit(SEARCH_MATCHES_RANKED + 1)
    .as('limited');
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(limited);
  return row?.n ?? 0;
}
