#!/usr/bin/env bash
# Fault and load tests against the real binary (the #[ignore]d `faults::` group of the api
# test binary): PostgreSQL stopped and restarted under writes, SIGKILL under writes on SQLite and
# PostgreSQL, SIGTERM under load, 32 concurrent SQLite writers, and a soak of mixed traffic.
# PostgreSQL runs as throwaway clusters of the tests' own (initdb/pg_ctl from
# /usr/lib/postgresql/*/bin, as the postgres user when run as root) on free loopback ports; the
# shared PostgreSQL is not touched. All traffic stays on 127.0.0.1.
#
#   SOAK_SECONDS   soak length (default 600; CI uses 60)
#   SOAK_BACKEND   sqlite (default) or postgres
#
# Prints the FIGURES line of each test: requests made, faults injected, acknowledged writes
# checked, lost (must be 0), RSS at start and end of the soak.
set -euo pipefail
cd "$(dirname "$0")/../.."
export SOAK_SECONDS="${SOAK_SECONDS:-600}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s)
# One at a time: they measure time and memory, and kill processes.
if ! cargo test --locked --test api faults:: -- --ignored --test-threads=1 --nocapture >"$log" 2>&1; then
  cat "$log" >&2
  echo "FAIL: fault tests (see above)" >&2
  exit 1
fi
grep -E '^test |^FIGURES|^test result' "$log"
echo "fault tests passed in $(( $(date +%s) - started ))s (soak ${SOAK_SECONDS}s)"
