// The ceiling the typed path is measured against: a bare Fastify route that sends the very SQL
// statements the tRPC procedure sent (captured by the benchmark), through the driver directly,
// and returns the rows as JSON. No tRPC, no zod, no context, no session logic.
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import postgres from 'postgres';

export interface CapturedStatement {
  sql: string;
  params: unknown[];
}
export type BaselinePlan = Record<string, CapturedStatement[]>;

const plan = JSON.parse(await readFile(process.env.BENCH_PLAN ?? '', 'utf8')) as BaselinePlan;
const port = Number(process.env.PORT);

type Run = (statement: CapturedStatement) => Promise<unknown>;
let run: Run;
let close: () => Promise<void>;
if (process.env.DATABASE_URL) {
  const sql = postgres(process.env.DATABASE_URL, { max: Number(process.env.DB_POOL_MAX ?? 10) });
  run = (s) => sql.unsafe(s.sql, s.params as never[]);
  close = () => sql.end();
} else {
  const pg = await PGlite.create(process.env.PGLITE_DIR ?? '');
  run = async (s) => (await pg.query(s.sql, s.params)).rows;
  close = () => pg.close();
}

const app = Fastify({ logger: false });
app.get<{ Params: { name: string } }>('/baseline/:name', async (request, reply) => {
  const statements = plan[request.params.name];
  if (!statements) return reply.status(404).send({ error: 'unknown endpoint' });
  const results: unknown[] = [];
  for (const statement of statements) results.push(await run(statement));
  return results;
});
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', async () => {
  await app.close();
  await close();
});
