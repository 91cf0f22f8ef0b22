// Home: the global feed, your feed (authors you follow), a tag's feed, and the popular tags.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { ArticleList, pageInput, usePage } from '../components/ArticleList';
import { Empty, ErrorState, Loading } from '../components/States';
import { Tabs } from '../components/Tabs';
import { TagList } from '../components/TagList';
import { tagPath } from '../lib/paths';
import { useTitle } from '../lib/title';
import { useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

type Feed = 'mine' | 'global' | 'tag';

/** The sidebar's tags (also fetched before the first render: lib/first-data.ts). */
export const POPULAR_TAGS = { limit: 20 };

export function HomePage() {
  const trpc = useTRPC();
  const [params] = useSearchParams();
  const { viewer } = useViewer();
  const [page] = usePage();
  const tag = params.get('tag')?.trim() || null;
  const feed: Feed = tag ? 'tag' : params.get('feed') === 'mine' && viewer ? 'mine' : 'global';
  useTitle(tag ? `#${tag}` : undefined);

  const list = useQuery({
    ...trpc.article.list.queryOptions({ ...pageInput(page), ...(tag ? { tag } : {}) }),
    enabled: feed !== 'mine',
    placeholderData: keepPreviousData,
  });
  const mine = useQuery({
    ...trpc.article.feed.queryOptions(pageInput(page)),
    enabled: feed === 'mine',
    placeholderData: keepPreviousData,
  });

  return (
    <div className="home-page">
      {/* Shown while the session is unknown too: a first visit is a visitor's (no jump then). */}
      {!viewer && (
        <div className="banner">
          <div className="container">
            <h1 className="logo-font">conduit</h1>
            <p>A place to share your knowledge.</p>
          </div>
        </div>
      )}
      <div className="container page two-columns">
        <section className="feed" aria-labelledby="feed-title">
          <h1 id="feed-title" className="visually-hidden">
            {feed === 'mine'
              ? 'Your feed'
              : feed === 'tag'
                ? `Articles tagged ${tag}`
                : 'Global feed'}
          </h1>
          <Tabs
            label="Feeds"
            tabs={[
              !!viewer && { to: '/?feed=mine', label: 'Your feed', current: feed === 'mine' },
              { to: '/', label: 'Global feed', current: feed === 'global' },
              !!tag && { to: tagPath(tag), label: `#${tag}`, current: true },
            ]}
          />
          {feed === 'mine' ? (
            <ArticleList
              query={mine}
              empty={
                <>
                  Nothing here yet: your feed shows articles by authors you follow. Find some in the{' '}
                  <Link to="/">global feed</Link>.
                </>
              }
            />
          ) : (
            <ArticleList
              query={list}
              empty={
                tag ? `No articles are tagged ${tag}.` : 'No articles have been published yet.'
              }
            />
          )}
        </section>
        <aside className="sidebar" aria-labelledby="popular-tags">
          <h2 id="popular-tags">Popular tags</h2>
          <PopularTags />
        </aside>
      </div>
    </div>
  );
}

function PopularTags() {
  const trpc = useTRPC();
  const tags = useQuery(trpc.tag.list.queryOptions(POPULAR_TAGS));
  if (tags.isPending) return <Loading what="Loading tags" />;
  if (tags.isError) return <ErrorState error={tags.error} retry={tags.refetch} />;
  if (tags.data.tags.length === 0) return <Empty>No tags yet.</Empty>;
  return <TagList tags={tags.data.tags} filled label={null} />;
}
