# syntax=docker/dockerfile:1
#
# Thumbsmith: one image for every role. `docker run IMAGE` runs `thumbsmith start` (embedded default: SQLite, a blob
# directory and in-process workers under /var/lib/thumbsmith); `docker run IMAGE api` and `docker run IMAGE worker`
# run the scale-out roles, configured by environment variables (see README.md and docs/operations.md).
#
# Not built or run in this project's CI (there is no Docker engine there); see README.md.

# --- build: compile TypeScript and the native modules, then drop the dev dependencies --------------------------------
# The full Debian image has python3, make and g++ for better-sqlite3's node-gyp build; the runtime below is the same
# Debian release and glibc, so the compiled module and sharp's prebuilt libvips run there unchanged.
FROM node:20-bookworm AS build
WORKDIR /app
ENV CI=true NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
# `npm ci` also runs the package's `prepare` script (the TypeScript build); `npm run build` keeps the image right if
# that script ever changes. A web UI build script, when the package has one, runs too.
RUN --mount=type=cache,target=/root/.npm \
    npm ci \
 && npm run build \
 && npm run --if-present build:web \
 && npm prune --omit=dev
# Only what the runtime needs: the package manifest, production node_modules, the bin shim and compiled code.
RUN mkdir -p /out/web \
 && cp -R package.json package-lock.json node_modules bin dist /out/ \
 && if [ -d web/dist ]; then cp -R web/dist /out/web/dist; fi

# --- runtime -----------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
# HOST: loopback is Thumbsmith's safe default outside a container; inside one, other containers must reach the port.
# MALLOC_ARENA_MAX: glibc's per-thread arenas let a long-running worker's RSS grow to ~2x; 2 arenas keep it flat
# at no CPU cost (bench/README.md, memory soak). MALLOC_MMAP_THRESHOLD_: a fixed 4 MiB keeps libvips' large pixel
# buffers in mmap, returned at free, instead of glibc's threshold growing until they pile up in an arena (peak RSS
# 313-317 instead of 316-418 MB in the service bench). glibc reads both only at process start, hence here.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=4194304 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/var/lib/thumbsmith \
    LOG_FORMAT=json
RUN groupadd --system --gid 10001 thumbsmith \
 && useradd --system --uid 10001 --gid thumbsmith --home-dir /var/lib/thumbsmith --shell /usr/sbin/nologin thumbsmith \
 && mkdir -p /var/lib/thumbsmith \
 && chown thumbsmith:thumbsmith /var/lib/thumbsmith
WORKDIR /app
# Owned by root and read-only to the service user: the process can write only to DATA_DIR.
COPY --from=build /out/ ./
USER thumbsmith:thumbsmith
# DATA_DIR holds the embedded default's SQLite file and blobs (mount a volume there: `-v thumbsmith:/var/lib/thumbsmith`);
# scale-out roles keep only upload temp files in it. No VOLUME here, so api and worker containers do not get one each.
EXPOSE 8000
# Liveness only (the process answers); readiness with dependency checks is GET /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node handles SIGTERM itself (graceful drain, DRAIN_TIMEOUT_MS); give the container at least that long to stop.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/thumbsmith.js"]
CMD ["start"]
