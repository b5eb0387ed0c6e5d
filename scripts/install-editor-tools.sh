#!/usr/bin/env bash
# Install the real YAML language server (npm) that tests/test_editor.py measures perfgen's JSON
# Schemas with, into .venv/node/ (Node.js and npm from apt when missing). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.19.2
PREFIX=.venv/node
if [ -f "$PREFIX/node_modules/yaml-language-server/package.json" ] && grep -q "\"version\": \"$VERSION\"" "$PREFIX/node_modules/yaml-language-server/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "perfgen: installing nodejs npm" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "perfgen: npm not found; tests/test_editor.py will be skipped" >&2
    exit 0
  fi
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --silent --no-save "yaml-language-server@$VERSION"
