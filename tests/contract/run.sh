#!/usr/bin/env bash
# The contract checks in one go, for CI: lint the document, render the docs page offline, walk
# the main flow with a generated Python and a generated TypeScript client, check every FHIR
# answer with an R4 model library (fhir.sh), and run Schemathesis with each role's token — all
# against one server started from an already built binary (nothing is built here) on a fresh
# SQLite file, seeded through the API.
#
#   KE_BIN=target/debug/kinderen-eerst bash tests/contract/run.sh
#
# KE_BIN defaults to the debug binary in $CARGO_TARGET_DIR (or target/). Each step is bounded in
# time; tools are installed on first use (npm, PyPI, Debian's chromium). Schemathesis runs last
# because its requests change the seeded data. Ends with "contract: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/server.sh"
echo "binary: $KE_BIN"

work="$(mktemp -d)"
ke_start_server "$work" || exit 1
ke_seed "$work" || { cat "$work/server.log" >&2; exit 1; }

results=()
passed=0
failed=0
step() {
  local name="$1" limit="$2"
  shift 2
  echo
  echo "== $name (at most ${limit}s)"
  local started=$(date +%s) rc=0
  timeout "$limit" "$@" || rc=$?
  local took=$(( $(date +%s) - started ))
  if [ "$rc" -eq 0 ]; then
    results+=("ok      ${took}s  $name")
    passed=$((passed + 1))
  else
    [ "$rc" -eq 124 ] && echo "$name: timed out after ${limit}s"
    results+=("FAILED  ${took}s  $name (exit $rc)")
    failed=$((failed + 1))
  fi
}

step "lint openapi/openapi.json (Spectral)" 180 bash "$here/lint.sh"
step "docs page offline (headless Chromium)" 300 bash "$here/docs.sh"
step "Python client flow (openapi-python-client)" 180 bash "$root/tests/clients/python/run.sh"
step "TypeScript client flow (@hey-api/openapi-ts)" 180 bash "$root/tests/clients/typescript/run.sh"
# Before Schemathesis: it moves the seeded referral through its lifecycle.
step "FHIR answers valid R4 (fhir.resources)" 120 bash "$here/fhir.sh"
step "Schemathesis, every operation as each role" 1500 bash "$here/schemathesis.sh"

echo
echo "== contract summary"
printf '  %s\n' "${results[@]}"
if ! kill -0 "$KE_SERVER_PID" 2>/dev/null; then
  echo "the server died during the run; its log:" >&2
  tail -n 50 "$work/server.log" >&2
  failed=$((failed + 1))
fi
echo "contract: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
