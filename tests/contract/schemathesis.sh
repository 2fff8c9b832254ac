#!/usr/bin/env bash
# Contract tests: Schemathesis sends generated requests to the operations of openapi/openapi.json,
# once with each role's token, with every check it has (`--checks all`): no 5xx; documented status
# codes, content types, headers and bodies; schema-valid requests accepted and schema-violating
# ones refused; undeclared methods 405 with `Allow`; a deleted object gone; a created one there;
# no answer without the token. Each role tests the operations whose `x-roles` name it. The
# stateful phase follows the document's links from creates to the reads and actions on the
# created id. st_hooks.py (loaded by SCHEMATHESIS_HOOKS) says which refusals of schema-valid data
# are rules no schema can state (stored data, the clock, two fields together, what a text says).
#
# Against $KE_URL with $KE_SEED (seed.json from server.sh) when given; otherwise it starts
# $KE_BIN on a fresh SQLite file (or on $KE_DATABASE_URL, a fresh PostgreSQL database) and seeds
# it itself. ST_MAX_EXAMPLES (default 8) bounds the examples per operation and phase,
# ST_ROLE_TIMEOUT (seconds, default 360) each role's run, ST_ROLES the roles (all four), ST_CHECKS
# the checks (all). The coordinator goes last: its run may deactivate the seeded accounts the
# others log in with. One worker: with several, Hypothesis's lambda descriptions hit a CPython
# 3.11 ast.parse race.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/tools.sh"
source "$here/server.sh"
python_tools

work="$(mktemp -d)"
if [ -z "${KE_URL:-}" ] || [ -z "${KE_SEED:-}" ]; then
  ke_start_server "$work"
  ke_seed "$work"
fi

# Path ids are drawn from the seeded objects most of the time, so operations reach real
# objects (and the role checks behind them), not only 404.
python3 - "$KE_SEED" > "$work/schemathesis.toml" <<'PY'
import json, sys
seed = json.load(open(sys.argv[1]))
ids = ", ".join(json.dumps(v) for v in seed["ids"].values() if v)
print(f"""[dictionaries.seeded-ids]
values = [{ids}]

[parameters]
"path.id" = {{ dictionary = "seeded-ids", probability = 0.7 }}
"path.consent_id" = {{ dictionary = "seeded-ids", probability = 0.7 }}

# A schema-valid If-Match that is not the object's current ETag is 412: the object's state, not
# the request's shape (see st_hooks.py for the 422s that are excused the same way).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

# A request the document does not allow may meet the If-Match check before the body check: a
# 412 refuses it just as well.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx"]

# Stateful phase: the document's links only (create -> read, update, actions), bounded; links
# Schemathesis would guess from field names are left out.
[phases.stateful.inference]
algorithms = []

[phases.stateful]
max-steps = 6
""")
PY

# Each role tests the operations whose `x-roles` name it (the roles the document states; the
# authorization matrix in tests/api checks that the others get 403): the rest are excluded by
# operation id, and the document stays whole (so `Allow` is checked against every method).
excluded_for() {
  python3 - "$root/openapi/openapi.json" "$1" <<'PY'
import json, sys
doc, role = json.load(open(sys.argv[1])), sys.argv[2]
for item in doc["paths"].values():
    for method, op in item.items():
        if method in ("get", "put", "post", "delete", "patch") and role not in op.get("x-roles", []):
            print("--exclude-operation-id", op["operationId"])
PY
}

cd "$work" # Schemathesis keeps its cache in the working directory
failed=()
for role in ${ST_ROLES:-school partner social_worker coordinator}; do
  token="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$KE_SEED" "$role")"
  echo "== schemathesis as $role"
  started=$(date +%s)
  if SCHEMATHESIS_HOOKS=st_hooks PYTHONPATH="$here" timeout "${ST_ROLE_TIMEOUT:-360}" "$here/.venv/bin/st" --config-file "$work/schemathesis.toml" run "$root/openapi/openapi.json" \
    $(excluded_for "$role") \
    --url "$KE_URL" \
    --header "Authorization: Bearer $token" \
    --checks "${ST_CHECKS:-all}" \
    --phases "${ST_PHASES:-examples,coverage,fuzzing,stateful}" \
    --max-examples "${ST_MAX_EXAMPLES:-8}" \
    --workers 1 \
    --seed "${ST_SEED:-20261125}" \
    --no-color \
    ${ST_EXTRA_ARGS:-}; then
    echo "schemathesis as $role: passed in $(( $(date +%s) - started ))s"
  else
    echo "schemathesis as $role: FAILED in $(( $(date +%s) - started ))s"
    failed+=("$role")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis: failures for ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: no findings for any role"
