# The four apps and the migration step from one multi-stage build:
#   build    installs every dependency, compiles into dist/, prunes to production ones
#   runtime  the shared base: node, git (the runner's worktrees), tini; non-root user `node`
#   migrate, gateway, orchestrator, pool-manager, runner: one target per service
# docker-compose.yml builds each service with its `target`.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY scripts ./scripts
RUN node scripts/build.mjs && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends git tini ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data/workspaces && chown -R node:node /data
WORKDIR /app
# The code belongs to root and is only readable by the app user; only /data is writable.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts/migrate.mjs ./scripts/migrate.mjs
ENV NODE_ENV=production LOG_FORMAT=json WORKSPACES_DIR=/data/workspaces
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS migrate
CMD ["node", "scripts/migrate.mjs"]

FROM runtime AS gateway
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --retries=12 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/apps/gateway/src/main.js"]

FROM runtime AS orchestrator
CMD ["node", "--enable-source-maps", "dist/apps/orchestrator/src/main.js"]

FROM runtime AS pool-manager
CMD ["node", "--enable-source-maps", "dist/apps/pool-manager/src/main.js"]

FROM runtime AS runner
CMD ["node", "--enable-source-maps", "dist/apps/runner/src/main.js"]
