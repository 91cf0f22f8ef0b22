// A page of article previews with its pager; the page number lives in the URL (?page=2), so
// paging is linkable and the back button works.
import type { RouterOutputs } from '@conduit/client';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { articlePath } from '../lib/paths';
import { Byline } from './Byline';
import { FavoriteButton } from './FavoriteButton';
import { Empty, ErrorState, Loading } from './States';
import { TagList } from './TagList';

export type ArticleSummary = RouterOutputs['article']['list']['articles'][number];

export const PAGE_SIZE = 10;
/** The server pages by offset up to 10,000 (deeper pages need a cursor, which a pager does not use). */
const MAX_OFFSET = 10_000;

/** The page number a URL's `?page=` names, within what the server pages to. */
export function pageOf(params: URLSearchParams): number {
  const page = Math.max(1, Math.floor(Number(params.get('page')) || 1));
  return Math.min(page, Math.floor(MAX_OFFSET / PAGE_SIZE) + 1);
}

export function usePage(): [number, (page: number) => string] {
  const [params] = useSearchParams();
  const linkTo = (target: number) => {
    const next = new URLSearchParams(params);
    if (target <= 1) next.delete('page');
    else next.set('page', String(target));
    const query = next.toString();
    return query ? `?${query}` : '?';
  };
  return [pageOf(params), linkTo];
}

export const pageInput = (page: number) => ({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });

interface Props {
  query: {
    data: { articles: ArticleSummary[]; articlesCount: number } | undefined;
    isPending: boolean;
    isError: boolean;
    error: unknown;
    refetch: () => unknown;
  };
  empty: React.ReactNode;
}

export function ArticleList({ query, empty }: Props) {
  const [page, linkTo] = usePage();
  const list = useListInViewOnPageChange(page);
  if (query.isPending) return <Loading what="Loading articles" />;
  if (query.isError) return <ErrorState error={query.error} retry={query.refetch} />;
  const { articles, articlesCount } = query.data ?? { articles: [], articlesCount: 0 };
  if (articles.length === 0 && page === 1) return <Empty>{empty}</Empty>;
  return (
    <>
      <ul className="article-list" ref={list}>
        {articles.map((article) => (
          <li key={article.slug}>
            <ArticlePreview article={article} />
          </li>
        ))}
      </ul>
      {articles.length === 0 && <Empty>No articles on this page.</Empty>}
      <Pager page={page} count={articlesCount} linkTo={linkTo} />
    </>
  );
}

/**
 * Another page of the list starts at its top: the pager sits below the list, and the page number
 * is only in the query string, so the layout's scroll-to-top on a new address does not see it.
 * Only when the list's top has been scrolled past: a short page stays where it is.
 */
function useListInViewOnPageChange(page: number) {
  const list = useRef<HTMLUListElement>(null);
  const shown = useRef(page);
  useEffect(() => {
    if (shown.current === page) return;
    shown.current = page;
    const top = list.current?.getBoundingClientRect().top;
    if (top !== undefined && top < 0) list.current?.scrollIntoView({ block: 'start' });
  }, [page]);
  return list;
}

export function ArticlePreview({ article }: { article: ArticleSummary }) {
  return (
    <article className="article-preview">
      <Byline author={article.author} createdAt={article.createdAt}>
        <span className="pull-right">
          <FavoriteButton article={article} compact />
        </span>
      </Byline>
      <Link className="preview-link" to={articlePath(article.slug)}>
        <h2>{article.title}</h2>
        {article.description && <p>{article.description}</p>}
        <span className="read-more">Read more…</span>
      </Link>
      <TagList tags={article.tagList} />
    </article>
  );
}

/** First, previous, a window of pages around this one, next, last. */
function Pager({
  page,
  count,
  linkTo,
}: {
  page: number;
  count: number;
  linkTo: (page: number) => string;
}) {
  const last = Math.min(Math.ceil(count / PAGE_SIZE), Math.floor(MAX_OFFSET / PAGE_SIZE) + 1);
  if (last <= 1) return null;
  const from = Math.max(1, page - 2);
  const to = Math.min(last, page + 2);
  const pages = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return (
    <nav className="pager" aria-label="Pages">
      <ul>
        {page > 1 && (
          <li>
            <Link to={linkTo(page - 1)} rel="prev">
              ‹ Previous
            </Link>
          </li>
        )}
        {from > 1 && (
          <li>
            <Link to={linkTo(1)} aria-label="Page 1">
              1
            </Link>
            {from > 2 && <span aria-hidden> …</span>}
          </li>
        )}
        {pages.map((n) => (
          <li key={n}>
            {n === page ? (
              <span className="current" aria-current="page">
                {n}
              </span>
            ) : (
              <Link to={linkTo(n)} aria-label={`Page ${n}`}>
                {n}
              </Link>
            )}
          </li>
        ))}
        {to < last && (
          <li>
            {to < last - 1 && <span aria-hidden>… </span>}
            <Link to={linkTo(last)} aria-label={`Page ${last}`}>
              {last}
            </Link>
          </li>
        )}
        {page < last && (
          <li>
            <Link to={linkTo(page + 1)} rel="next">
              Next ›
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
