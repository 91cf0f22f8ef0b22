# syntax=docker/dockerfile:1
# Conduit's production image: the server, the web app it serves, and the migrations command, with
# production dependencies only, run as an unprivileged user. docs/deployment.md ("Containers")
# says how to build and run it; compose.yaml runs it behind nginx with PostgreSQL, a replica,
# PgBouncer and Redis.
#
# What the build stage produces is made by deploy/docker/prune.sh, which
# apps/server/test/deploy-files.test.ts also runs and starts, outside any container: keep the
# commands that shape the output there, not here.
#
# Node: the LTS line in .nvmrc, the one we recommend and deploy on (decision 024); both stages use
# the same image, so native packages (argon2) are installed for the libc they run on.

FROM node:24.22.3-bookworm-slim AS build
ENV CI=true TURBO_TELEMETRY_DISABLED=1
WORKDIR /src

# pnpm at the version package.json pins. (npm, not corepack: corepack's signature check fails
# against some registry mirrors; npm installs it anywhere.)
COPY package.json ./
RUN npm install --global --no-audit --no-fund \
    "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")"

# Dependencies before sources: this layer stays cached while the lockfile and patches do not
# change, whatever else does.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
RUN pnpm fetch

COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
RUN sh deploy/docker/prune.sh /out

FROM node:24.22.3-bookworm-slim AS production
ENV NODE_ENV=production
# Listens on every interface (production's default HOST): the container's network is the boundary.
ENV PORT=3000
# Only used without DATABASE_URL: the embedded database, in a folder the user below may write
# (mount a volume there to keep it).
ENV PGLITE_DIR=/data/pglite
WORKDIR /app
COPY --from=build /out/ ./
RUN mkdir /data && chown node:node /data
# The image's own unprivileged user: the code it runs stays root's and read-only to it.
USER node
EXPOSE 3000
# /healthz answers while the process serves (/readyz would also ask the database, and a container
# marked unhealthy for a database outage gains nothing from a restart). No curl in slim images:
# Node's own fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The migrations job runs ["node", "apps/server/dist/migrate.js"] from this image (compose.yaml).
CMD ["node", "apps/server/dist/main.js"]
