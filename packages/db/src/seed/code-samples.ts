// Short fenced code blocks for article bodies, one small set per language.
import type { Random } from './random';
import type { CodeLanguage } from './words';

const samples: Record<CodeLanguage, readonly string[]> = {
  ts: [
    `export async function withRetry<T>(task: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 100));
    }
  }
}`,
    `type Result<T> = { ok: true; value: T } | { ok: false; error: string };

function parsePort(input: string): Result<number> {
  const port = Number(input);
  return Number.isInteger(port) && port > 0 && port < 65536
    ? { ok: true, value: port }
    : { ok: false, error: \`not a port: \${input}\` };
}`,
    `const cache = new Map<string, { value: unknown; expires: number }>();

export function remember<T>(key: string, ttlMs: number, compute: () => T): T {
  const hit = cache.get(key);
  if (hit && hit.expires > Date.now()) return hit.value as T;
  const value = compute();
  cache.set(key, { value, expires: Date.now() + ttlMs });
  return value;
}`,
  ],
  js: [
    `export function debounce(fn, waitMs) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}`,
    `const res = await fetch('/api/articles?limit=10');
if (!res.ok) throw new Error(\`HTTP \${res.status}\`);
const { articles } = await res.json();
console.log(articles.map((a) => a.title));`,
  ],
  sql: [
    `select a.slug, count(f.user_id) as favorites
from articles a
left join favorites f on f.article_id = a.id
group by a.id
order by favorites desc
limit 10;`,
    `create index concurrently articles_author_created_at_idx
  on articles (author_id, created_at desc);

explain analyze
select * from articles where author_id = 42 order by created_at desc limit 20;`,
  ],
  python: [
    `from collections import Counter

def top_tags(articles, n=10):
    counts = Counter(tag for article in articles for tag in article["tags"])
    return counts.most_common(n)`,
    `import time

def timed(fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            print(f"{fn.__name__}: {time.perf_counter() - start:.3f}s")
    return wrapper`,
  ],
  go: [
    `func fetchAll(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, url := range urls {
		g.Go(func() error { return fetch(ctx, url) })
	}
	return g.Wait()
}`,
  ],
  rust: [
    `fn parse_port(input: &str) -> Result<u16, String> {
    input
        .parse::<u16>()
        .map_err(|e| format!("not a port: {input} ({e})"))
}`,
  ],
  bash: [
    `# Find the ten largest files under the current folder.
du -ah . | sort -rh | head -n 10`,
    `docker compose up -d db
until pg_isready -h localhost -p 5432; do sleep 1; done
pnpm db:migrate && pnpm db:seed`,
  ],
  yaml: [
    `name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pnpm install --frozen-lockfile
      - run: pnpm test`,
    `resources:
  requests:
    cpu: 250m
    memory: 256Mi
  limits:
    memory: 512Mi`,
  ],
  css: [
    `.card {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
  gap: 1rem;
}

@media (prefers-reduced-motion: reduce) {
  * { animation: none !important; }
}`,
  ],
};

export function codeSample(rng: Random, language: CodeLanguage): string {
  return `\`\`\`${language}\n${rng.pick(samples[language])}\n\`\`\``;
}
