// Times POST /api/users/password-reset for a known and an unknown address (decision 019): the
// answers must not tell them apart. Interleaved runs over the app as production builds it, in
// process (inject: no network noise), on the embedded database or DATABASE_URL.
//   pnpm exec tsx apps/server/bench/reset-timing.ts [runs]
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';

const runs = Number(process.argv[2] ?? 40);
const app = await buildApp(
  loadConfig({
    NODE_ENV: 'test',
    PGLITE_DIR: process.env.DATABASE_URL ? undefined : 'memory://',
    DATABASE_URL: process.env.DATABASE_URL,
    RATE_LIMIT_MAX: '0',
    RESET_MAX_PER_IP: '0',
    RESET_MAX_PER_ADDRESS: '0',
    REGISTER_MAX_PER_IP: '0',
  }),
);
const post = (url: string, body: unknown) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

try {
  const name = `timing${Date.now().toString(36)}`;
  const email = `${name}@example.com`;
  const created = await post('/api/users', {
    user: { email, username: name, password: 'correct horse battery' },
  });
  if (created.statusCode !== 201) throw new Error(`sign-up: ${created.body}`);

  const times = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < runs; i += 1) {
    for (const kind of i % 2 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
      const address = kind === 'known' ? email : `nobody${i}${name}@example.com`;
      const started = performance.now();
      const res = await post('/api/users/password-reset', { user: { email: address } });
      times[kind].push(performance.now() - started);
      if (res.statusCode !== 202) throw new Error(`${kind}: ${res.statusCode} ${res.body}`);
    }
  }
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, mean ${mean.toFixed(1)} ms, min ${at(0).toFixed(1)}, max ${at(1).toFixed(1)}`;
  };
  console.log(`${runs} runs each on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
  console.log(`known:   ${stats(times.known)}`);
  console.log(`unknown: ${stats(times.unknown)}`);
} finally {
  await app.close();
}
