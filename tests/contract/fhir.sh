#!/usr/bin/env bash
# Contract: every FHIR answer (Task, ServiceRequest, the searchset Bundle, OperationOutcome for
# 404, 401, 403, 409, 412, 422) is valid FHIR R4 by the `fhir.resources` models (installed into
# tests/contract/.venv by tools.sh; they run offline), and a Task's status update round trip
# (accepted, in-progress, completed with an output) works on the seeded referral.
#
# Against $KE_URL with $KE_SEED (seed.json from server.sh) when given; otherwise it starts
# $KE_BIN on a fresh SQLite file and seeds it itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/tools.sh"
source "$here/server.sh"
python_tools

if [ -z "${KE_URL:-}" ] || [ -z "${KE_SEED:-}" ]; then
  work="$(mktemp -d)"
  ke_start_server "$work"
  ke_seed "$work"
fi
"$contract_dir/.venv/bin/python" "$here/fhir_check.py" "$KE_URL" "$KE_SEED"
