#!/usr/bin/env bash
# The load benchmark: bash benches/run.sh [--backend postgres|sqlite|both] [--cases N]
#   [--seconds S] [--concurrency 1,16,64] [--scenarios a,b] [--sizes 10000,100000,1000000]
#   [--smoke] [--regenerate] [--compare results/X.json]
# KE_BIN names the server binary; without it this builds `cargo build --release --locked`.
# PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432, trust auth); the
# databases are ke_bench_<size> and are kept for the next run. See README.md, "## Benchmark".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get)" >&2
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
for tool in python3 psql; do
  command -v "$tool" >/dev/null || { echo "benches/run.sh needs $tool" >&2; exit 2; }
done

if [[ -z "${KE_BIN:-}" ]]; then
  echo "building the release binary (cargo build --release --locked)" >&2
  cargo build --release --locked >&2
  KE_BIN="${CARGO_TARGET_DIR:-target}/release/kinderen-eerst"
fi
export KE_BIN
exec python3 benches/bench.py "$@"
