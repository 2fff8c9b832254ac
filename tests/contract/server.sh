# Starts the service for the contract tests (sourced by the scripts beside it).
#
#   ke_start_server DIR   runs "$KE_BIN serve" on a fresh SQLite file in DIR (or on
#                         $KE_DATABASE_URL, a PostgreSQL URL; then JWT_SECRET is set here), on a
#                         free loopback port; exports KE_URL and KE_COORDINATOR_PASSWORD (from the
#                         first-start log line) and stops the server when the calling shell exits.
#   ke_seed DIR           seeds data through the API (seed.py) and writes DIR/seed.json.
#
# Nothing is built here: KE_BIN (default: the debug binary in $CARGO_TARGET_DIR or target/) must
# exist already.
contract_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$contract_dir/../.." && pwd)"
: "${KE_BIN:=${CARGO_TARGET_DIR:-$repo_root/target}/debug/kinderen-eerst}"

ke_start_server() {
  local dir="$1"
  if [ ! -x "$KE_BIN" ]; then
    echo "no binary at KE_BIN=$KE_BIN: build it first (cargo build)" >&2
    return 1
  fi
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  local db="${KE_DATABASE_URL:-$dir/kinderen-eerst.db}"
  if [[ "$db" == postgres* ]]; then
    export JWT_SECRET="${JWT_SECRET:-4840a14ab8e9e465fc9cf0d1e28d304c71681d370c74325deb4f8fbc80691883}"
    # The audit signing key lives outside the database; on PostgreSQL it must be given.
    if [ -z "${AUDIT_SIGNING_KEY_FILE:-}" ]; then
      openssl genpkey -algorithm ed25519 -out "$dir/audit-key.pem" 2>/dev/null
      export AUDIT_SIGNING_KEY_FILE="$dir/audit-key.pem"
    fi
  fi
  DATABASE_URL="$db" BIND="127.0.0.1:$port" WORKERS=2 WEBHOOK_WORKER=false RUST_LOG=warn \
    "$KE_BIN" serve > "$dir/server.log" 2>&1 &
  KE_SERVER_PID=$!
  # shellcheck disable=SC2064
  trap "kill $KE_SERVER_PID 2>/dev/null; wait $KE_SERVER_PID 2>/dev/null" EXIT
  export KE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if curl -fsS "$KE_URL/readyz" > /dev/null 2>&1; then break; fi
    if ! kill -0 "$KE_SERVER_PID" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      cat "$dir/server.log" >&2
      return 1
    fi
    sleep 0.2
  done
  KE_COORDINATOR_PASSWORD="$(sed -n 's/.*with one-time password \([^ ]*\).*/\1/p' "$dir/server.log" | head -n1)"
  if [ -z "$KE_COORDINATOR_PASSWORD" ]; then
    echo "no first-start password in the log (is the database fresh?):" >&2
    cat "$dir/server.log" >&2
    return 1
  fi
  export KE_COORDINATOR_PASSWORD
  echo "server: $KE_URL (pid $KE_SERVER_PID, log $dir/server.log)"
}

ke_seed() {
  python3 "$contract_dir/seed.py" "$KE_URL" "$KE_COORDINATOR_PASSWORD" > "$1/seed.json"
  export KE_SEED="$1/seed.json"
}
