// A set-based generator for large benchmark databases: every table is filled by one
// `insert … select … from generate_series`, so a million articles take minutes, not hours (the JS
// seeder draws and sends every row from Node). PostgreSQL only.
//
// Shape, per article: 1–5 tags drawn Zipf-like from the seeder's own vocabulary (the `tags` table
// must already hold it: `seedDatabase(db, { users: 0, articles: 0 })` writes just that), a slug
// made from its title plus its number, a ~1.5 KB Markdown body (headings, paragraphs, a list, a
// code block), 0–11 favorites (mean 3) from engaged readers. Users: articles / 20; authors skewed
// (the earliest accounts write most, and only accounts that existed at the time write), each
// user follows a log-normal number of others (median 6) drawn towards the prolific. No comments
// (no measured read loads them). Dates grow denser towards the present, ids follow dates.
//
// Pseudo-random values come from hashing (row number, salt), not random(): the same options give
// the same rows on every run, whatever plan or parallelism the server picks.
//
// Foreign keys, primary keys and indexes are dropped for the load and recreated from their own
// definitions (read from the catalog first) afterwards: building an index once from sorted data and
// validating a foreign key in one pass is several times faster than maintaining them row by row,
// and recreating them still checks every row against every constraint.
import { SEED_PASSWORD_HASH } from '@conduit/db/seed';
import type { Sql } from 'postgres';

export interface LargeSeedOptions {
  articles: number;
  /** Defaults to articles / 20 (at least 50), as the JS seeder's bench default. */
  users?: number;
  /** Called with each step's name before it runs. */
  onStep?: (step: string) => void;
}

export interface LargeSeedStats {
  users: number;
  follows: number;
  tags: number;
  articles: number;
  articleTags: number;
  favorites: number;
  seconds: number;
}

const LOADED_TABLES = [
  'users',
  'follows',
  'articles',
  'article_tags',
  'favorites',
  'article_slugs',
];

/**
 * Row triggers that keep each article's search document and slug history (migration 0005): off for
 * the load, which writes both set-based (the document in the articles' insert, the history after).
 */
const LOAD_TRIGGERS = [
  ['articles', 'article_search_indexed'],
  ['articles', 'article_slug_kept'],
  ['article_tags', 'article_tags_indexed_added'],
] as const;

/**
 * Fills an empty, migrated database whose `tags` table holds the vocabulary. `sql` must be a
 * single-connection client (`postgres(url, { max: 1 })`): the helper functions live in that
 * session's pg_temp schema.
 */
export async function seedLarge(sql: Sql, options: LargeSeedOptions): Promise<LargeSeedStats> {
  const started = performance.now();
  const articleCount = options.articles;
  const userCount = options.users ?? Math.max(50, Math.round(articleCount / 20));
  const step = (name: string) => options.onStep?.(name);

  const [state] = await sql<{ users: number; articles: number }[]>`
    select (select count(*)::int from users) as users,
           (select count(*)::int from articles) as articles`;
  if (!state || state.users > 0 || state.articles > 0)
    throw new Error('seedLarge needs an empty database (no users, no articles)');
  // Ids in vocabulary order (the seeder inserts them so), which is popularity order.
  const tagRows = await sql<{ id: number; name: string }[]>`select id, name from tags order by id`;
  const firstTag = tagRows[0]?.id ?? 0;
  if (tagRows.length === 0 || tagRows.some((tag, index) => tag.id !== firstTag + index))
    throw new Error('seedLarge needs the tag vocabulary in `tags`, with consecutive ids');

  await sql.unsafe(`
    set maintenance_work_mem = '512MB';
    set work_mem = '64MB';
    set synchronous_commit = off;
  `);
  await createHelpers(sql, { names: tagRows.map((tag) => tag.name), firstTag });

  step('dropping keys and indexes');
  const saved = await dropKeysAndIndexes(sql);
  for (const [table, trigger] of LOAD_TRIGGERS)
    await sql.unsafe(`alter table ${table} disable trigger ${ident(trigger)}`);

  step(`users (${userCount})`);
  await sql.unsafe(usersSql, [userCount, SEED_PASSWORD_HASH]);
  step('follows');
  await sql.unsafe(followsSql, [userCount]);
  step(`articles (${articleCount})`);
  await sql.unsafe(articlesSql, [articleCount, userCount]);
  step('article tags');
  await sql.unsafe(articleTagsSql);
  step('favorites');
  await sql.unsafe(favoritesSql, [userCount]);
  step('slug history');
  await sql.unsafe(
    'insert into article_slugs (slug, article_id, created_at) select slug, id, created_at from articles',
  );
  for (const [table, trigger] of LOAD_TRIGGERS)
    await sql.unsafe(`alter table ${table} enable trigger ${ident(trigger)}`);

  step('recreating keys and indexes');
  for (const statement of saved) await sql.unsafe(statement);
  await sql.unsafe(`
    select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users));
    select setval(pg_get_serial_sequence('articles', 'id'), (select max(id) from articles));
  `);
  step('vacuum analyze');
  await sql.unsafe('vacuum analyze');

  const [counts] = await sql<Omit<LargeSeedStats, 'seconds'>[]>`
    select (select count(*)::int from users) as users,
           (select count(*)::int from follows) as follows,
           (select count(*)::int from tags) as tags,
           (select count(*)::int from articles) as articles,
           (select count(*)::int from article_tags) as "articleTags",
           (select count(*)::int from favorites) as favorites`;
  if (!counts) throw new Error('no counts');
  return { ...counts, seconds: (performance.now() - started) / 1000 };
}

/** Drops every foreign key of the schema and the keys and indexes of the loaded tables; returns
 * the statements that recreate them, in an order that works (keys, indexes, then foreign keys). */
async function dropKeysAndIndexes(sql: Sql): Promise<string[]> {
  const constraints = await sql<{ table: string; name: string; type: string; def: string }[]>`
    select conrelid::regclass::text as table, conname as name, contype as type,
           pg_get_constraintdef(oid) as def
    from pg_constraint
    where connamespace = 'public'::regnamespace
      and (contype = 'f' or (contype in ('p', 'u') and conrelid::regclass::text in ${sql(LOADED_TABLES)}))`;
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename in ${sql(LOADED_TABLES)}
      and indexname not in (select conname from pg_constraint where connamespace = 'public'::regnamespace)`;
  const foreign = constraints.filter((c) => c.type === 'f');
  const keys = constraints.filter((c) => c.type !== 'f');
  for (const c of foreign)
    await sql.unsafe(`alter table ${c.table} drop constraint ${ident(c.name)}`);
  for (const i of indexes) await sql.unsafe(`drop index ${ident(i.name)}`);
  for (const c of keys) await sql.unsafe(`alter table ${c.table} drop constraint ${ident(c.name)}`);
  const add = (c: { table: string; name: string; def: string }) =>
    `alter table ${c.table} add constraint ${ident(c.name)} ${c.def}`;
  return [...keys.map(add), ...indexes.map((i) => i.def), ...foreign.map(add)];
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Session-local SQL functions (pg_temp), inlined by the planner. */
async function createHelpers(sql: Sql, tags: { names: string[]; firstTag: number }) {
  const list = (items: readonly string[]) =>
    `array[${items.map((item) => `'${item.replaceAll("'", "''")}'`).join(', ')}]::text[]`;
  await sql.unsafe(`
    -- A uniform number in [0, 1) from (row, salt): the same every run.
    create function pg_temp.rnd(i bigint, salt int) returns float8
      language sql immutable parallel safe
      return (hashint8extended(i, salt) & 2147483647)::float8 / 2147483648;
    -- One element of a text array, picked by (row, salt).
    create function pg_temp.pick(items text[], i bigint, salt int) returns text
      language sql immutable parallel safe
      return items[1 + floor(pg_temp.rnd(i, salt) * cardinality(items))::int];
    -- The j-th tag drawn for article i: rank r with P(rank <= r) = ln(r + 1) / ln(V + 1).
    create function pg_temp.tag_of(i bigint, j int) returns int
      language sql immutable parallel safe
      return ${tags.firstTag} - 1 + least(${tags.names.length},
        floor(power(${tags.names.length} + 1, pg_temp.rnd(i, 100 + j)))::int);
    create function pg_temp.tag_names() returns text[] language sql immutable
      return ${list(tags.names)};
    -- What article i is about: the name of its first tag.
    create function pg_temp.topic(i bigint) returns text language sql immutable parallel safe
      return (pg_temp.tag_names())[pg_temp.tag_of(i, 1) - ${tags.firstTag} + 1];
    -- How many tags article i has: 1 to 5, weights 20/30/25/15/10.
    create function pg_temp.tag_count(i bigint) returns int
      language sql immutable parallel safe
      return case when pg_temp.rnd(i, 99) < 0.2 then 1 when pg_temp.rnd(i, 99) < 0.5 then 2
        when pg_temp.rnd(i, 99) < 0.75 then 3 when pg_temp.rnd(i, 99) < 0.9 then 4 else 5 end;
    -- The names of article i's tags, as its search document holds them (see articleTagsSql).
    create function pg_temp.tag_list(i bigint) returns text language sql immutable parallel safe
      return (select string_agg(distinct (pg_temp.tag_names())[pg_temp.tag_of(i, j) - ${tags.firstTag} + 1], ' ')
        from generate_series(1, pg_temp.tag_count(i)) j);
    create function pg_temp.first_names() returns text[] language sql immutable
      return ${list(firstNames)};
    create function pg_temp.last_names() returns text[] language sql immutable
      return ${list(lastNames)};
    create function pg_temp.subjects() returns text[] language sql immutable
      return ${list(subjects)};
    create function pg_temp.sentences() returns text[] language sql immutable
      return ${list(sentences)};
    create function pg_temp.headings() returns text[] language sql immutable
      return ${list(headings)};
    create function pg_temp.lists() returns text[] language sql immutable
      return ${list(bulletLists)};
    create function pg_temp.code_blocks() returns text[] language sql immutable
      return ${list(codeBlocks)};
  `);
}

// Users: id = sign-up order, dates from 2019 on, denser towards the present.
const usersSql = `
insert into users (id, email, username, password_hash, bio, image, role, created_at, updated_at)
overriding system value
select i, lower(name) || '@example.com', name, $2, bio, image, 'user', created, created +
       case when pg_temp.rnd(i, 5) < 0.3 then pg_temp.rnd(i, 6) * interval '200 days' else interval '0' end
from (
  select i,
    pg_temp.pick(pg_temp.first_names(), i, 1) || (array['_', '-', ''])[1 + (i % 3)] ||
      pg_temp.pick(pg_temp.last_names(), i, 2) || i as name,
    case when pg_temp.rnd(i, 3) < 0.6
      then 'Writes about ' || lower(pg_temp.pick(pg_temp.subjects(), i, 7)) || ' and ' ||
           lower(pg_temp.pick(pg_temp.subjects(), i, 8)) || '. ' || pg_temp.pick(pg_temp.sentences(), i, 9)
    end as bio,
    -- A picture the site draws itself (decision 033), at the default origin: the bench never fetches it.
    case when pg_temp.rnd(i, 4) < 0.7
      then 'http://localhost:3000/avatars/v1/u' || i || '.svg' end as image,
    timestamptz '2019-01-01 00:00:00+00' +
      (timestamptz '2026-10-01 00:00:00+00' - timestamptz '2019-01-01 00:00:00+00') * sqrt((i - 1)::float8 / $1::int)
      as created
  from generate_series(1, $1::int) i
) u`;

// Follows: a log-normal count per follower (median 6, capped), followees skewed to early accounts.
const followsSql = `
insert into follows (follower_id, followee_id, created_at)
select follower, followee, min(created)
from (
  select f as follower,
    1 + floor(power(pg_temp.rnd(f::bigint * 4096 + j, 12), 2.5) * $1::int)::int as followee,
    timestamptz '2026-10-01 00:00:00+00' + pg_temp.rnd(f::bigint * 4096 + j, 13) * interval '60 days' as created
  from generate_series(1, $1::int) f,
    lateral generate_series(1, least(1000, ($1::int - 1) * 6 / 10, floor(exp(ln(6) + 1.1 *
      sqrt(-2 * ln(1 - pg_temp.rnd(f, 10))) * cos(2 * pi() * pg_temp.rnd(f, 11))))::int)) j
) d
where follower <> followee
group by follower, followee`;

// Articles: id = publication order; the author is one of the accounts that existed by then (or
// one of the first 50), skewed towards the earliest: at 1M articles the most prolific account
// writes ~0.3% of them, the first 1% of accounts ~5%.
const articlesSql = `
insert into articles (id, slug, title, description, body, author_id, created_at, updated_at, search_vector)
overriding system value
select i,
  trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g')) || '-' || i,
  title, description, body, author, created,
  created + case when pg_temp.rnd(i, 24) < 0.25 then pg_temp.rnd(i, 25) * interval '3 days' else interval '0' end,
  article_search_document(title, description, body, pg_temp.tag_list(i))
from (
  select i, topic, created,
    1 + floor(power(pg_temp.rnd(i, 20), 1.6) *
      least($2::int, greatest(50, ceil($2::int * (i - 0.5)::float8 / $1::int))))::int as author,
    case floor(pg_temp.rnd(i, 21) * 8)::int
      when 0 then initcap(topic) || ' ' || subject || ': What Nobody Tells You'
      when 1 then 'A Practical Guide to ' || subject || ' in ' || initcap(topic)
      when 2 then 'Why We Rewrote Our ' || subject || ' (' || initcap(topic) || ' Edition)'
      when 3 then subject || ' Without the Hype'
      when 4 then 'Lessons From a Year of ' || subject || ' With ' || initcap(topic)
      when 5 then 'How We Cut Our ' || subject || ' Bill in Half'
      when 6 then 'The Boring Way to Do ' || subject || ' in ' || initcap(topic)
      else subject || ', ' || initcap(topic) || ' and You'
    end as title,
    case floor(pg_temp.rnd(i, 22) * 3)::int
      when 0 then 'Practical notes on ' || lower(subject) || ' for anyone working with ' || topic || '.'
      when 1 then 'Everything I wish I had known about ' || lower(subject) || ' before my first ' || topic || ' project.'
      else 'What ' || lower(subject) || ' taught us about ' || topic || ', with examples.'
    end as description,
    'When it comes to ' || topic || ', ' || lower(subject) || ' is where most projects stumble. ' ||
      pg_temp.pick(pg_temp.sentences(), i, 30) || ' ' || pg_temp.pick(pg_temp.sentences(), i, 31) ||
      E'\\n\\n## ' || pg_temp.pick(pg_temp.headings(), i, 32) || E'\\n\\n' ||
      pg_temp.pick(pg_temp.sentences(), i, 33) || ' ' || pg_temp.pick(pg_temp.sentences(), i, 34) || ' ' ||
      pg_temp.pick(pg_temp.sentences(), i, 35) || E'\\n\\n' ||
      pg_temp.pick(pg_temp.code_blocks(), i, 36) || E'\\n\\n' ||
      pg_temp.pick(pg_temp.sentences(), i, 37) || ' **The short version:** ' ||
      lower(pg_temp.pick(pg_temp.sentences(), i, 38)) || E'\\n\\n' ||
      pg_temp.pick(pg_temp.lists(), i, 39) || E'\\n\\n## ' || pg_temp.pick(pg_temp.headings(), i, 40) ||
      E'\\n\\n' || pg_temp.pick(pg_temp.sentences(), i, 41) || ' ' || pg_temp.pick(pg_temp.sentences(), i, 42) ||
      ' See [an earlier post](https://conduit.example.com/) for the details on ' || lower(subject) || '.'
      as body
  from (
    select i,
      pg_temp.topic(i) as topic,
      pg_temp.pick(pg_temp.subjects(), i, 23) as subject,
      timestamptz '2019-02-01 00:00:00+00' +
        (timestamptz '2026-11-30 00:00:00+00' - timestamptz '2019-02-01 00:00:00+00') * sqrt((i - 0.5)::float8 / $1::int)
        as created
    from generate_series(1, $1::int) i
  ) base
) a`;

// Tags of each article: the first is the one its title is about.
const articleTagsSql = `
insert into article_tags (article_id, tag_id)
select distinct a.id, pg_temp.tag_of(a.id, j)
from articles a, lateral generate_series(1, pg_temp.tag_count(a.id)) j`;

// Favorites: 0–11 per article (mean 3), by engaged readers (skewed to early accounts), not the
// author, some days after publication.
const favoritesSql = `
insert into favorites (user_id, article_id, created_at)
select reader, article, min(created)
from (
  select a.id as article, a.author_id as author,
    1 + floor(power(pg_temp.rnd(a.id::bigint * 16 + j, 51), 2) * $1::int)::int as reader,
    a.created_at + pg_temp.rnd(a.id::bigint * 16 + j, 52) * interval '20 days' as created
  from articles a,
    lateral generate_series(1, floor(power(pg_temp.rnd(a.id, 50), 3) * 12)::int) j
) f
where reader <> author
group by reader, article`;

const firstNames = [
  'aaliyah',
  'adam',
  'ahmed',
  'aisha',
  'akira',
  'alba',
  'alex',
  'alice',
  'amara',
  'amir',
  'ana',
  'anika',
  'arjun',
  'astrid',
  'ben',
  'bianca',
  'bruno',
  'camille',
  'carlos',
  'chen',
  'chloe',
  'clara',
  'daniel',
  'david',
  'diego',
  'elena',
  'elif',
  'emeka',
  'emma',
  'eva',
  'farah',
  'felix',
  'fatima',
  'finn',
  'grace',
  'hana',
  'hugo',
  'ines',
  'ingrid',
  'isaac',
  'ivan',
  'jade',
  'jin',
  'joao',
  'jonas',
  'julia',
  'kai',
  'kenji',
  'kofi',
  'lara',
  'leila',
  'leo',
  'lina',
  'lucas',
  'maya',
  'mateo',
  'mei',
  'mia',
  'nadia',
  'naomi',
  'nico',
  'nina',
  'noah',
  'nora',
  'omar',
  'oscar',
  'paula',
  'priya',
  'rafael',
  'ravi',
  'rosa',
  'sam',
  'sara',
  'sofia',
  'tariq',
  'tom',
  'uma',
  'victor',
  'wei',
  'yara',
  'yuki',
  'yusuf',
  'zara',
  'zoe',
];
const lastNames = [
  'adams',
  'alvarez',
  'andersen',
  'bauer',
  'becker',
  'bianchi',
  'brown',
  'chen',
  'costa',
  'cruz',
  'das',
  'dubois',
  'evans',
  'fernandez',
  'fischer',
  'garcia',
  'gupta',
  'haddad',
  'hansen',
  'ito',
  'jansen',
  'johnson',
  'kaya',
  'khan',
  'kim',
  'kowalski',
  'kumar',
  'lee',
  'lopez',
  'martin',
  'meyer',
  'moreau',
  'muller',
  'nakamura',
  'nguyen',
  'novak',
  'obi',
  'okafor',
  'oliveira',
  'park',
  'patel',
  'perez',
  'petrov',
  'reyes',
  'ricci',
  'rossi',
  'santos',
  'sato',
  'schmidt',
  'silva',
  'singh',
  'smith',
  'suzuki',
  'tanaka',
  'taylor',
  'torres',
  'tran',
  'wagner',
  'wang',
  'weber',
  'wilson',
  'wong',
  'yamamoto',
  'yilmaz',
  'zhang',
];
const subjects = [
  'Background Jobs',
  'Rate Limiting',
  'Caching',
  'Error Handling',
  'Logging',
  'Code Review',
  'Feature Flags',
  'Database Migrations',
  'Connection Pooling',
  'Observability',
  'Testing',
  'Dependency Upgrades',
  'Pagination',
  'Authentication',
  'Deployments',
  'On-Call Rotations',
  'API Design',
  'Naming',
  'Configuration',
  'Monorepos',
  'Build Times',
  'Type Safety',
  'Accessibility',
  'Performance Budgets',
  'Schema Design',
  'Retries',
  'Queues',
  'Search',
];
const sentences = [
  'Honestly, most of it is underrated.',
  'The conventional wisdom says measuring before optimising saves weeks of work.',
  'We spent six weeks untangling it before anyone wrote down what we had learned.',
  'Our old pipeline removed a whole class of bugs once the codebase grew.',
  'A good test suite turned out to be the key when traffic spiked.',
  'Boring technology lets you spend your novelty budget elsewhere.',
  'The official documentation is better than its reputation.',
  'Everyone on the team agreed that writing the docs first exposes the awkward parts of an API.',
  'The surprising lesson was that most performance problems are really data-model problems.',
  'The simplest solution is usually the right one, and the hardest to find.',
  'Deleting code is the most underrated skill we have.',
  'We rolled it out behind a flag and watched the error rate for a week.',
  'Nobody reads a dashboard that nobody owns.',
  'The first version took a weekend; making it reliable took a quarter.',
  'If you cannot explain the failure mode, you do not understand the system yet.',
  'Small pull requests get better reviews than large ones, every time.',
  'The numbers only made sense after we plotted them per customer.',
  'Most of the complexity came from the edge cases we had promised to support.',
];
const headings = [
  'Why it matters',
  'The problem',
  'Getting started',
  'What we tried first',
  'What worked',
  'Trade-offs',
  'Lessons learned',
  'Further reading',
  'The numbers',
  'Where to go from here',
];
const bulletLists = [
  '- Write down the decision and why you made it.\n- Delete the feature flag once it has shipped.\n- Prefer explicit configuration over magic.',
  '- Keep the happy path obvious.\n- Pair on the tricky parts.\n- Set a time box before you start digging.',
  '1. Measure first.\n2. Change one thing at a time.\n3. Measure again, on the same machine.',
  '- Automate the boring parts.\n- Alert on symptoms, not causes.\n- Review the runbook after every incident.\n- Retire what nobody uses.',
];
const codeBlocks = [
  "```js\nconst res = await fetch('/api/articles?limit=10');\nif (!res.ok) throw new Error('HTTP ' + res.status);\nconst { articles } = await res.json();\nconsole.log(articles.map((a) => a.title));\n```",
  '```ts\nexport async function withRetry<T>(task: () => Promise<T>, attempts = 3): Promise<T> {\n  for (let attempt = 1; ; attempt++) {\n    try {\n      return await task();\n    } catch (error) {\n      if (attempt >= attempts) throw error;\n      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 100));\n    }\n  }\n}\n```',
  '```sql\nselect a.slug, count(f.user_id) as favorites\nfrom articles a left join favorites f on f.article_id = a.id\ngroup by a.id\norder by favorites desc\nlimit 10;\n```',
  '```python\ndef chunks(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]\n```',
  '```sh\ngit bisect start\ngit bisect bad HEAD\ngit bisect good v1.4.0\n```',
];
