#!/bin/sh
# Lays out, from a built checkout (`pnpm install --frozen-lockfile && pnpm build`), exactly what the
# production image runs: the server with its production dependencies only, the web app it serves,
# and the migrations command. The Dockerfile's build stage runs this script, and
# apps/server/test/deploy-files.test.ts runs it into a temporary folder and starts the result, so
# the image's contents are tested without a container engine. Run from the repository's root:
#
#   sh deploy/docker/prune.sh <empty folder>
#
# The folder then holds apps/server/{package.json,dist,node_modules} and apps/web/dist, the same
# relative places as in the repository: the server finds the web app at ../../web/dist from its
# bundle (WEB_ROOT in apps/server/src/app.ts).
set -eu

out=${1:?usage: sh deploy/docker/prune.sh <empty output folder>}
[ -f apps/server/dist/main.js ] || { echo "prune.sh: apps/server/dist is not built (pnpm build)" >&2; exit 1; }
[ -f apps/web/dist/index.html ] || { echo "prune.sh: apps/web/dist is not built (pnpm build)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
staging="$out/.deploy"

# The server and the production dependencies of it and of the workspace packages it imports,
# copied out of the workspace (decision 041). Injecting workspace packages for this one command
# lets pnpm derive the copy's lockfile from ours: the versions are the ones the tests ran, where
# `--legacy` resolved some again. Only the bundle and node_modules are kept: the server's
# TypeScript sources and tests are compiled into dist or not needed.
pnpm --config.inject-workspace-packages=true --filter @conduit/server deploy --prod "$staging"
mkdir -p "$out/apps/server"
mv "$staging/package.json" "$staging/dist" "$staging/node_modules" "$out/apps/server/"
rm -rf "$staging"

# TypeScript: @trpc/server names it a peer dependency (its types need it), so pnpm installs it with
# the production dependencies, and marking that peer optional does not keep it out (the lockfile
# the deploy derives from ours has it resolved). Nothing loads it at run time: it was 31 MB of
# the 171 this folder held, the compiler and TypeScript 7's native binary. Removed with the links
# to it; container-image.test.ts starts the server and the migrations from what is left.
store="$out/apps/server/node_modules/.pnpm"
rm -rf "$store"/typescript@* "$store"/@typescript+* "$store/node_modules/typescript" \
  "$store/node_modules/@typescript"
find "$store" -mindepth 3 -maxdepth 3 -path '*/node_modules/typescript' -type l -exec rm {} +

# The web app is not a dependency of the server (it only serves its files), so pnpm deploy does
# not bring it.
mkdir -p "$out/apps/web"
cp -R apps/web/dist "$out/apps/web/dist"

# The migrations job's command. `pnpm db:migrate` runs packages/db/src/cli/migrate.ts through tsx,
# which the image does not have; the same file is bundled here as the server is (build.mjs), with
# PGlite left outside (it loads its own wasm files). It finds the SQL through the deployed
# @conduit/db package (migrationsFolder in packages/db/src/migrate.ts).
pnpm --filter @conduit/server exec esbuild ../../packages/db/src/cli/migrate.ts \
  --bundle --platform=node --target=node20 --format=esm --log-level=warning \
  --external:@electric-sql/pglite --outfile="$out/apps/server/dist/migrate.js" \
  "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
