// `pnpm docs:generate`: writes the generated references into docs/, so API changes show up in
// review and CI can fail when they are stale:
// - docs/openapi.json, the OpenAPI document the server serves at /api/openapi.json;
// - docs/trpc-procedures.md, every tRPC procedure with its kind, who may call it and its input.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { appRouter, procedureReferenceMarkdown } from '@conduit/api';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

const app = await buildApp(loadConfig({ NODE_ENV: 'test', PGLITE_DIR: 'memory://' }));
try {
  const response = await app.inject('/api/openapi.json');
  if (response.statusCode !== 200)
    throw new Error(`GET /api/openapi.json answered ${response.statusCode}`);
  await writeFile(docs('openapi.json'), `${JSON.stringify(response.json(), null, 2)}\n`);
} finally {
  await app.close();
}
await writeFile(docs('trpc-procedures.md'), procedureReferenceMarkdown(appRouter));
console.log('Wrote docs/openapi.json and docs/trpc-procedures.md');
