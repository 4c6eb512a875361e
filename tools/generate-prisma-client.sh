#!/usr/bin/env bash
# Generates the Prisma client (src/store/generated/) from prisma/schema.prisma; run by `npm ci`
# (postinstall). The Prisma CLI fetches its native migration engine from the internet on start,
# which these machines cannot reach; generating the client does not use that engine (the schema is
# compiled by WASM), so we point the CLI at a stand-in binary to skip the download. Migrations are
# applied by src/store/migrate.ts instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/false}" PRISMA_HIDE_UPDATE_MESSAGE=1 \
  npx --no-install prisma generate >/dev/null
echo "prisma client generated in src/store/generated"
