# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8000 HOST=0.0.0.0 DATA_DIR=/data
# glibc gives freed memory back to the OS above 128 KiB (the embedded PGlite frees hundreds of MB after start-up;
# without it they stay in the allocator: bench/README.md "Footprint")
ENV GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072
WORKDIR /app
RUN mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/libs/storage/migrations ./libs/storage/migrations
COPY --from=build --chown=node:node /app/libs/simulator/fixtures ./libs/simulator/fixtures
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/scripts/gateway-node.sh ./scripts/gateway-node.sh
USER node
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# the launcher picks V8's GC threading for the CPUs the container gets (scripts/gateway-node.sh), then execs node
CMD ["sh", "scripts/gateway-node.sh", "dist/apps/gateway/apps/gateway/src/main.js"]
