// Proves the client carries no server code: bundles it for the browser as an app would and fails
// on any input from the server side of the repository (api, db, auth, apps), any server-only
// package, or any Node built-in. `node scripts/check-bundle.mjs [entry]` (default: src/index.ts).
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = resolve(packageDir, '../..');
const entry = resolve(packageDir, process.argv[2] ?? 'src/index.ts');

/** Inputs that mean server code came along: our server packages and apps, server-only libraries. */
const forbidden = [
  /(^|\/)packages\/(api|db|auth)\//,
  /(^|\/)apps\//,
  /\/node_modules\/(drizzle-orm|postgres|@electric-sql|@node-rs|fastify|@fastify)\//,
];
const builtins = new Set(builtinModules);

/** Node built-ins stay external (a browser has none) and are reported with who imported them. */
const builtinImports = [];
const reportBuiltins = {
  name: 'report-node-builtins',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      const name = args.path.replace(/^node:/, '').split('/')[0];
      if (!args.path.startsWith('node:') && !builtins.has(name)) return undefined;
      builtinImports.push(`${args.path} (imported by ${relative(repoDir, args.importer)})`);
      return { path: args.path, external: true };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  write: false,
  metafile: true,
  logLevel: 'silent',
  absWorkingDir: repoDir,
  plugins: [reportBuiltins],
}).catch((error) => {
  // Server code often does not even build for a browser; esbuild's messages name the files.
  console.error(`the client does not bundle for the browser:\n${error.message}`);
  process.exit(1);
});

const inputs = Object.keys(result.metafile.inputs);
const leaks = inputs.filter((input) => forbidden.some((pattern) => pattern.test(`/${input}`)));
const problems = [
  ...leaks.map((input) => `server code in the client bundle: ${input}`),
  ...builtinImports.map((imported) => `Node built-in in the client bundle: ${imported}`),
];
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}

const bundle = result.outputFiles[0]?.contents ?? new Uint8Array();
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const packages = [
  ...new Set(
    inputs.map((input) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(input);
      return match?.[1] ?? relative(repoDir, resolve(repoDir, input));
    }),
  ),
];
console.log(
  `client bundle ok: ${kb(bundle.length)} minified, ${kb(gzipSync(bundle).length)} gzipped, ` +
    `${inputs.length} inputs from ${packages.join(', ')}`,
);
