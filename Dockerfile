# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed in a builder stage; the runtime stage holds production dependencies and
# the sources only, and runs as an unprivileged user. TypeScript runs directly on Node 24 (type stripping).

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# argon2 ships prebuilt binaries for linux-x64/arm64; no compiler is needed.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
# Memory per server process, as `npm start` runs it (see the README's "Memory"): a fixed malloc mmap threshold
# returns argon2id's 19 MiB working buffers to the system after each verification; a 2 MB young generation and a
# 384 MB old-generation ceiling make V8 collect before garbage piles up (its default ceiling is sized to the host).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY adapters ./adapters
COPY views ./views
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# MONGODB_URI, ISSUER, COOKIE_KEYS and DATA_ENCRYPTION_KEY must be provided at run time (see compose.yaml).
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=384", "src/main.ts"]
