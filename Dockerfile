# `rolloutlab serve` as a container image (docs/deploy.md). Build it from the repository root:
#
#   docker build --platform linux/amd64 -t rolloutlab:0.1.0 .
#
# linux/amd64 only: the lockfile carries DuckDB's native binding for linux-x64 alone (DEVELOPERS.md, "DuckDB").
FROM --platform=linux/amd64 node:20-slim

WORKDIR /app

# The dependencies first, exactly as the lockfile says, so that a source change reuses this layer. No dev dependencies
# (tests, type check, notebooks). No install scripts: none is needed to run (esbuild's binary, which tsx runs the
# TypeScript with, and DuckDB's binding arrive as packages), and the optional @tensorflow/tfjs-node's script would
# download libtensorflow; without it the models run on the wasm backend, as on the machines they are trained on.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# The source (there is no build step) and the model registry: `models/` of the build context is baked into the image
# at /app/models (train the champions before building; .dockerignore keeps unfinished `.tmp-*` versions out). To use a
# mounted registry instead, mount it anywhere and set ROLLOUTLAB_MODELS (or pass --models) to its path.
COPY . .
ENV ROLLOUTLAB_MODELS=/app/models

# The DuckDB stores (feedback, pipeline outcomes, decision log, controls) live in one writable folder: the pipeline
# outcomes, decisions and controls files default to the feedback file's folder. Mount a volume there to keep them.
ENV ROLLOUTLAB_FEEDBACK=/var/lib/rolloutlab/feedback.duckdb
RUN mkdir -p /var/lib/rolloutlab && chown 1000:1000 /var/lib/rolloutlab

# The code and the models stay root's and read-only; the server runs as the image's `node` user (uid 1000).
USER 1000:1000

# The port comes from the environment (`serve` reads ROLLOUTLAB_LISTEN_PORT when --port is not given).
ENV ROLLOUTLAB_LISTEN_PORT=8080
EXPOSE 8080

# Node is process 1 and gets SIGTERM itself: `serve` drains in-flight requests, closes its stores and exits 0.
ENTRYPOINT ["node", "bin/rolloutlab.mjs"]
CMD ["serve", "--host", "0.0.0.0"]
