# syntax=docker/dockerfile:1
# Build: compile TypeScript and native addons (better-sqlite3, bcrypt) with the full toolchain.
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# the postinstall step installs the admin console's dependencies (web/) too
COPY scripts/web-install.cjs ./scripts/
COPY web/package.json web/package-lock.json ./web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm run build:web && npm prune --omit=dev

# Run: only production dependencies and the compiled service, as an unprivileged user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    OPENGEWE__BACKEND__DATA_DIR=/app/data \
    OPENGEWE__DATABASE__SQLITE_FILE=/app/data/opengewe.db \
    OPENGEWE__LOGGING__PATH=/app/logs \
    OPENGEWE__LOGGING__FORMAT=json \
    # A heap cap far above what the service uses (~60 MB live under load): below a 2 GB cap V8 collects the old
    # generation sooner, so RSS under load stays ~200 MB instead of growing past 500 MB (docs/OPERATIONS.md, Deployment).
    NODE_OPTIONS=--max-old-space-size=512
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/web/dist ./web/dist
COPY --chown=node:node scripts/ensure-build.cjs ./scripts/ensure-build.cjs
COPY --chown=node:node config/main_config.example.toml ./config/main_config.example.toml
RUN mkdir -p data logs plugins && chown node:node data logs plugins
USER node
EXPOSE 5433
VOLUME ["/app/data", "/app/logs"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.OPENGEWE__BACKEND__PORT||5433)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
