#!/usr/bin/env bash
# Generates a TypeScript client from openapi/openapi.json with @hey-api/openapi-ts (its fetch
# client), type-checks flow.ts against it with tsc and runs the main flow with node against a live
# server: $KE_URL with $KE_SEED, or one it starts from $KE_BIN and seeds (see
# tests/contract/server.sh). Generated code goes to generated/ and dist/ (not committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/tests/contract/server.sh"

cd "$here"
if [ ! -x node_modules/.bin/openapi-ts ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing @hey-api/openapi-ts and typescript into $here/node_modules"
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf generated dist
node_modules/.bin/openapi-ts --silent -i "$root/openapi/openapi.json" -o generated -c @hey-api/client-fetch
node_modules/.bin/tsc -p tsconfig.json

if [ -z "${KE_URL:-}" ] || [ -z "${KE_SEED:-}" ]; then
  work="$(mktemp -d)"
  ke_start_server "$work"
  ke_seed "$work"
fi
node dist/flow.js
