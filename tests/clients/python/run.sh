#!/usr/bin/env bash
# Generates a Python client from openapi/openapi.json with openapi-python-client and walks the
# main flow with it (flow.py) against a live server: $KE_URL with $KE_SEED, or one it starts
# from $KE_BIN and seeds (see tests/contract/server.sh). The generated code goes to
# tests/clients/python/generated (not committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/tests/contract/server.sh"

venv="$here/.venv"
if [ ! -x "$venv/bin/openapi-python-client" ] || [ "$here/requirements.txt" -nt "$venv/.installed" ]; then
  echo "installing openapi-python-client into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.installed"
fi

rm -rf "$here/generated"
# Its post-generation hooks run ruff, which the generator brings into the venv.
PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
  --path "$root/openapi/openapi.json" --output-path "$here/generated" --meta setup 2>&1 \
  | grep -v '^$' | grep -v 'Skipping Integration\|ruff is not in PATH' || true
# The generator warns about what it cannot express; only the CSV upload may be left out.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$here/generated"
"$venv/bin/pip" install --quiet --disable-pip-version-check httpx attrs python-dateutil

if [ -z "${KE_URL:-}" ] || [ -z "${KE_SEED:-}" ]; then
  work="$(mktemp -d)"
  ke_start_server "$work"
  ke_seed "$work"
fi
"$venv/bin/python" "$here/flow.py"
