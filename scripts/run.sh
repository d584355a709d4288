#!/usr/bin/env bash
# `make run`: migrate, load the demo centre once, serve it with gunicorn and a huey consumer.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${GOVHALL_HOST:-127.0.0.1}
PORT=${GOVHALL_PORT:-8000}
mkdir -p var
$BIN/govhall collectstatic --noinput -v 0
$BIN/govhall migrate --noinput -v 0
$BIN/govhall seed_demo
$BIN/govhall run_huey --quiet &
CONSUMER=$!
trap 'kill $CONSUMER 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  govhall is running:   http://$HOST:$PORT/
  办事指南 (guides):      http://$HOST:$PORT/guide/
  我的待办 (workbench):   http://$HOST:$PORT/cases/work/   (log in as clerk, approver, chief, inspector)
  办件查询 (lookup):      http://$HOST:$PORT/cases/lookup/
  管理后台 (admin):       http://$HOST:$PORT/admin/
  API (OpenAPI):         http://$HOST:$PORT/api/v1/docs

  demo logins (password: Govhall#2026):
    manager clerk chief approver inspector supervisor agent applicant enterprise trader

MSG
$BIN/gunicorn govhall.config.wsgi:application --bind "$HOST:$PORT" --workers "${WEB_CONCURRENCY:-2}" \
  --access-logfile - --log-level warning
