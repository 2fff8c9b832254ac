#!/usr/bin/env bash
# The docs page test: /docs/ renders every operation in headless Chromium without any request
# leaving 127.0.0.1 (docs.mjs). Installs Debian's chromium when /usr/bin/chromium is missing
# (needs root and apt) and playwright-core from npm (tools.sh). Against $KE_URL, or a server it
# starts from $KE_BIN. DOCS_SCREENSHOT names the screenshot file (default: a temp file).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/tools.sh"
source "$here/server.sh"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium > /dev/null
fi
npm_tools

if [ -z "${KE_URL:-}" ]; then
  work="$(mktemp -d)"
  ke_start_server "$work"
fi
node "$here/docs.mjs" "$KE_URL" ${DOCS_SCREENSHOT:+"$DOCS_SCREENSHOT"}
