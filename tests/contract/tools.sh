# Installs the contract tests' tools on first use (sourced by the scripts beside it). Each tool
# lands in a folder beside the scripts that .gitignore keeps out of git; a second run reuses it.
contract_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# npm packages from tests/contract/package-lock.json: Spectral and playwright-core.
npm_tools() {
  if [ ! -x "$contract_dir/node_modules/.bin/spectral" ] \
    || [ "$contract_dir/package-lock.json" -nt "$contract_dir/node_modules/.package-lock.json" ]; then
    echo "installing npm tools into $contract_dir/node_modules"
    (cd "$contract_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# A Python venv with Schemathesis and the FHIR models (pinned in requirements.txt).
python_tools() {
  local venv="$contract_dir/.venv"
  if [ ! -x "$venv/bin/st" ] || [ "$contract_dir/requirements.txt" -nt "$venv/.installed" ]; then
    echo "installing Schemathesis and fhir.resources into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$contract_dir/requirements.txt"
    touch "$venv/.installed"
  fi
}
