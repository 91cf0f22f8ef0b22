// Bundles the server into dist/main.js and the chunks it imports. Our workspace packages (consumed
// as TypeScript source) are compiled into the bundle; the packages this app lists as dependencies
// stay external and load from node_modules (PGlite in particular reads its wasm and data files
// from its own folder).
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => !name.startsWith('@conduit/'))
  .flatMap((name) => [name, `${name}/*`]);

// Chunk names change with their content: last build's would pile up.
await rm(new URL('./dist/', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  // main.ts starts tracing before it imports the app (telemetry/sdk.ts): split, the app and the
  // packages it imports (Fastify, which loads Node's http) are a chunk loaded only then, not
  // imports every ES module evaluates before its own code. Chunks sit beside main.js, so paths
  // relative to import.meta.url (WEB_ROOT, migrations) resolve as before.
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external,
  // Bundled CommonJS code may call require(); give it one in the ES module output.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
