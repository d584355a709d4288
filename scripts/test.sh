#!/usr/bin/env bash
# `make test`: every test, on the database DATABASE_URL names (SQLite by default).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export GOVHALL_VAR_DIR=${GOVHALL_VAR_DIR:-$PWD/var/test}
mkdir -p "$GOVHALL_VAR_DIR"
$BIN/ruff check src tests bench
$BIN/govhall makemigrations --check --dry-run -v 0 || { echo "models changed without a migration"; exit 1; }
$BIN/python -m pytest "$@"
