// Builds what the published package carries (decision 027): dist/index.js (ESM, esbuild) and
// dist/index.d.ts, one declaration file with the API's types folded in (tsc, then
// rollup-plugin-dts), and checks that both import nothing but the package's own dependencies.
// The workspace itself keeps using src/ (decision 004); only `pnpm pack` needs this.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// TypeScript 7 has no compiler API: its enums come from the 6.x compatibility package.
import ts from '@typescript/typescript6';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { importedPackages, packageOf } from './imports.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = (path) => resolve(packageDir, path);
const manifest = JSON.parse(readFileSync(at('package.json'), 'utf8'));
const dependencies = Object.keys(manifest.dependencies ?? {});
const tsOptions = {
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
};
const isDependency = (specifier) => dependencies.includes(packageOf(specifier));

rmSync(at('dist'), { recursive: true, force: true });
rmSync(at('build'), { recursive: true, force: true });

// 1. JavaScript: our one module, its dependencies left to the installer.
await build({
  entryPoints: [at('src/index.ts')],
  outfile: at('dist/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  packages: 'external',
  logLevel: 'warning',
});

// 2. Declarations of the client and of the workspace sources its types reach.
// TypeScript 7 exports no ./bin/tsc; its package.json is exported, and bin/tsc sits beside it.
const tsc = resolve(
  dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin/tsc',
);
execFileSync(process.execPath, [tsc, '-p', at('tsconfig.build.json')], { stdio: 'inherit' });

// 3. One declaration file: our packages' declarations, and the few third-party types the router's
// outputs name (WebAuthn's option shapes), are copied in; the dependencies stay imports. Other
// packages the server's declarations import stay imports too, which step 4 refuses if used.
const inlinable = ['@simplewebauthn/server'];
const emitted = at('build/dts');
const apiEntry = at('../api/src/index.ts');
const declarationsFrom = {
  name: 'declarations-from-the-workspace',
  resolveId(specifier, importer) {
    const workspace = /^@conduit\/([^/]+)$/.exec(specifier);
    if (workspace) return `${emitted}/packages/${workspace[1]}/src/index.d.ts`;
    if (specifier.startsWith('.') || !importer?.startsWith(emitted)) return null;
    // Left as an import, which step 4 refuses if the bundle still needs it after tree-shaking.
    if (!inlinable.includes(packageOf(specifier))) return { id: specifier, external: true };
    // Resolved where the API, which depends on it, would find it.
    const { resolvedModule } = ts.resolveModuleName(specifier, apiEntry, tsOptions, ts.sys);
    if (!resolvedModule) throw new Error(`declaration bundle: cannot resolve ${specifier}`);
    return resolvedModule.resolvedFileName;
  },
};
const bundle = await rollup({
  input: at('build/dts/packages/client/src/index.d.ts'),
  plugins: [declarationsFrom, dts({ respectExternal: true })],
  external: isDependency,
  onwarn(warning) {
    throw new Error(`declaration bundle: ${warning.message}`);
  },
});
await bundle.write({ file: at('dist/index.d.ts'), format: 'es' });
await bundle.close();

// 4. Nothing may point back into the monorepo or at a package the installer will not bring.
const strays = ['dist/index.js', 'dist/index.d.ts'].flatMap((file) =>
  importedPackages(readFileSync(at(file), 'utf8'))
    .filter((name) => !dependencies.includes(name))
    .map((name) => `${file} imports ${name}, which is not a dependency`),
);
if (strays.length > 0) {
  console.error(strays.join('\n'));
  process.exit(1);
}
rmSync(at('build'), { recursive: true, force: true });
console.log(`built dist/index.js and dist/index.d.ts (imports: ${dependencies.join(', ')})`);
