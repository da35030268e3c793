# ccauth container image: Node 22 LTS (oidc-provider 9 needs it), production dependencies only.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY seeds ./seeds
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# AsyncLocalStorage on async context frames instead of promise hooks (oidc-provider uses one per
# request); a 160 MB old generation and one malloc arena keep RSS under 250 MB under load
# (README "What the token path does")
ENV MALLOC_ARENA_MAX=1
CMD ["node", "--experimental-async-context-frame", "--max-old-space-size=160", "src/main.ts"]
