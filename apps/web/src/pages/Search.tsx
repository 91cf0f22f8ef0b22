// Search results (decision 030): best match first, each with the passages that matched, the
// matched words in <mark>. The query and the page live in the address.
import type { RouterOutputs } from '@conduit/client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { Byline } from '../components/Byline';
import { Empty, ErrorState, Loading } from '../components/States';
import { TagList } from '../components/TagList';
import { articlePath } from '../lib/paths';
import { useTitle } from '../lib/title';
import { useTRPC } from '../trpc';

type SearchHit = RouterOutputs['article']['search']['articles'][number];

const PAGE_SIZE = 10;
/** The server ranks the first 1000 matches; pages stop there. */
const RANKED = 1000;

/** What the server would refuse: nothing to look for (no letter or digit). */
const searchable = (q: string) => /[\p{L}\p{N}]/u.test(q);

export function SearchPage() {
  const [params] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  const page = Math.max(1, Math.floor(Number(params.get('page')) || 1));
  const trpc = useTRPC();
  const results = useQuery({
    ...trpc.article.search.queryOptions({
      q,
      limit: PAGE_SIZE,
      offset: Math.min((page - 1) * PAGE_SIZE, RANKED),
    }),
    enabled: searchable(q),
    placeholderData: keepPreviousData,
  });
  useTitle(q ? `Search: ${q}` : 'Search');

  return (
    <div className="container page search-page">
      <h1>{q ? <>Articles matching “{q}”</> : 'Search'}</h1>
      {!searchable(q) ? (
        <Empty>Type a word or two in the search box to find articles.</Empty>
      ) : results.isPending ? (
        <Loading what="Searching" />
      ) : results.isError ? (
        <ErrorState error={results.error} retry={results.refetch} />
      ) : results.data.articles.length === 0 ? (
        <Empty>
          {page > 1 ? 'No more articles match.' : <>No article matches “{q}”. Try other words.</>}
        </Empty>
      ) : (
        <>
          <p className="search-count" role="status">
            {results.data.moreMatches
              ? `More than ${results.data.articlesCount} articles match; the best are shown first.`
              : `${results.data.articlesCount} ${results.data.articlesCount === 1 ? 'article matches' : 'articles match'}.`}
          </p>
          <ul className="article-list">
            {results.data.articles.map((hit) => (
              <li key={hit.slug}>
                <SearchResult hit={hit} />
              </li>
            ))}
          </ul>
          <SearchPager q={q} page={page} count={results.data.articlesCount} />
        </>
      )}
    </div>
  );
}

function SearchResult({ hit }: { hit: SearchHit }) {
  return (
    <article className="article-preview search-result">
      <Byline author={hit.author} createdAt={hit.createdAt} />
      <Link className="preview-link" to={articlePath(hit.slug)}>
        <h2>{hit.title}</h2>
        {hit.description && <p>{hit.description}</p>}
      </Link>
      {hit.snippet.length > 0 && (
        <p className="snippet">
          {/* Parts are text, rendered as text: only the <mark> is ours. */}
          {/* The parts of a result never move: their place is their key. */}
          {hit.snippet.map((part, i) =>
            part.highlighted ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
          )}
        </p>
      )}
      <TagList tags={hit.tagList} />
    </article>
  );
}

function SearchPager({ q, page, count }: { q: string; page: number; count: number }) {
  const last = Math.ceil(Math.min(count, RANKED) / PAGE_SIZE);
  if (last <= 1) return null;
  const to = (target: number) =>
    `?${new URLSearchParams({ q, ...(target > 1 ? { page: String(target) } : {}) })}`;
  return (
    <nav className="pager" aria-label="Pages">
      <ul>
        {page > 1 && (
          <li>
            <Link to={to(page - 1)} rel="prev">
              ‹ Previous
            </Link>
          </li>
        )}
        <li>
          <span className="current" aria-current="page">
            {page}
          </span>
        </li>
        {page < last && (
          <li>
            <Link to={to(page + 1)} rel="next">
              Next ›
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
