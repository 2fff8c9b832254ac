#!/usr/bin/env bash
# Lints openapi/openapi.json with Spectral and the project's ruleset (.spectral.yaml): zero errors
# and zero warnings; then with Redocly's `recommended` rules: zero errors (its warnings are
# printed: ambiguous paths such as /cases/by-reference/{reference} beside /cases/{id}/close are
# how the API is laid out). Installs @stoplight/spectral-cli and @redocly/cli into
# tests/contract/node_modules (not committed) on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/tools.sh"
npm_tools
cd "$root"
"$here/node_modules/.bin/spectral" lint --ruleset .spectral.yaml --fail-severity=hint \
  --format text openapi/openapi.json
echo "lint: Spectral has no findings"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$here/node_modules/.bin/redocly" lint --extends recommended --format stylish openapi/openapi.json 2>&1 \
  | grep -v '[║╔╚]'
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "lint: Redocly (recommended) reports errors" >&2
  exit 1
fi
echo "lint: openapi/openapi.json has no Spectral findings and no Redocly errors"
