#!/usr/bin/env bash
# Lints openapi/openapi.json with Spectral and the project's ruleset (.spectral.yaml): zero errors
# and zero warnings. Installs @stoplight/spectral-cli into tests/contract/node_modules (not
# committed) on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/tools.sh"
npm_tools
cd "$root"
"$here/node_modules/.bin/spectral" lint --ruleset .spectral.yaml --fail-severity=hint \
  --format text openapi/openapi.json
echo "lint: openapi/openapi.json has no findings"
