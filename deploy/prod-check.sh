#!/usr/bin/env bash
# `make prod-check`: the production settings on this machine's PostgreSQL and Redis — gunicorn with two web
# processes, a Celery worker and beat — then the health endpoints, a few pages and one e-mail through the outbox
# and the worker; everything started here is stopped at the end (by pid), whatever happens.
#   PROD_CHECK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/guichet_prodcheck, created if missing)
#   PROD_CHECK_REDIS_URL    (default redis://127.0.0.1:6379/15)
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
DB_URL="${PROD_CHECK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/guichet_prodcheck}"
PORT="${PROD_CHECK_PORT:-8765}"
WORK="$(mktemp -d /tmp/guichet-prodcheck.XXXXXX)"
export DJANGO_SETTINGS_MODULE=portal.settings.prod
export DATABASE_URL="$DB_URL"
export REDIS_URL="${PROD_CHECK_REDIS_URL:-redis://127.0.0.1:6379/15}"
export SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export ALLOWED_HOSTS=127.0.0.1,localhost
export VAR_DIR="$WORK" SITE_URL="https://127.0.0.1"
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$WORK/mail"
export WEB_CONCURRENCY=2 GUNICORN_BIND="127.0.0.1:$PORT"
PIDS=()
failures=0

stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  echo "stopped ${#PIDS[@]} process(es); logs in $WORK"
}
trap stop_all EXIT

ok() { printf '  ok    %s\n' "$*"; }
ko() { printf '  FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }

server="${DB_URL%/*}"; name="${DB_URL##*/}"
psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 \
  || psql "$server/postgres" -qc "CREATE DATABASE \"$name\"" || { echo "cannot reach PostgreSQL at $server" >&2; exit 1; }
echo "== migrate, collectstatic ($DB_URL, $REDIS_URL)"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }
"$PY" manage.py collectstatic --noinput >"$WORK/collectstatic.log" 2>&1 || { cat "$WORK/collectstatic.log"; exit 1; }
"$PY" manage.py check --deploy --fail-level WARNING >"$WORK/check.log" 2>&1 && ok "check --deploy" || ko "check --deploy: $(cat "$WORK/check.log")"

echo "== start: gunicorn (2 workers), celery worker, celery beat"
"$PY" -m gunicorn -c deploy/gunicorn.conf.py portal.wsgi >"$WORK/web.log" 2>&1 & PIDS+=($!)
"$PY" -m celery -A portal worker --loglevel=INFO --concurrency=1 >"$WORK/worker.log" 2>&1 & PIDS+=($!)
"$PY" -m celery -A portal beat --loglevel=INFO --schedule="$WORK/beat-schedule" >"$WORK/beat.log" 2>&1 & PIDS+=($!)

get() {  # path [header…]: prints the status
  curl -s -o "$WORK/last.html" -w '%{http_code}' -H 'X-Forwarded-Proto: https' "${@:2}" "http://127.0.0.1:$PORT$1"
}
for _ in $(seq 1 60); do [ "$(get /sante/pret/)" = 200 ] && break; sleep 0.5; done

echo "== checks"
[ "$(get /sante/)" = 200 ] && ok "/sante/ (liveness)" || ko "/sante/"
[ "$(get /sante/pret/)" = 200 ] && ok "/sante/pret/ (readiness): $(tr -d '\n' <"$WORK/last.html" | cut -c1-160)…" || ko "/sante/pret/: $(cat "$WORK/last.html")"
[ "$(pgrep -P "${PIDS[0]}" | wc -l)" = 2 ] && ok "gunicorn runs 2 web processes" || ko "gunicorn workers: $(pgrep -P "${PIDS[0]}" | wc -l)"
for path in / /directory/ /directory/carte/ /chaine/ /parcours/ /compte/login/; do
  status="$(get "$path")"
  if [ "$status" = 200 ] && grep -q '/static/css/guichet\.[0-9a-f]\{12\}\.css' "$WORK/last.html"; then ok "GET $path"; else ko "GET $path → $status"; fi
done
[ "$(get /)" = 200 ] && curl -sI -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT/" | grep -qi '^strict-transport-security' && ok "HSTS header" || ko "HSTS header"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 301 ] && ok "plain HTTP redirected to HTTPS" || ko "no HTTPS redirect"

echo "== one e-mail through the outbox, the broker and the worker"
"$PY" manage.py shell -c "
from django.db import transaction
from accounts.outbox import queue_email
with transaction.atomic():
    queue_email(kind='prod-check', to=['exploitation@example.org'], subject='prod-check', body='ok')
" >"$WORK/queue.log" 2>&1
for _ in $(seq 1 60); do ls "$WORK/mail"/*.log >/dev/null 2>&1 && break; sleep 0.5; done
ls "$WORK/mail"/*.log >/dev/null 2>&1 && ok "e-mail sent by the worker" || ko "e-mail not sent (see $WORK/worker.log)"
grep -q "beat: Starting" "$WORK/beat.log" && ok "beat started" || ko "beat did not start"

if [ "$failures" = 0 ]; then echo "prod-check: all good"; else echo "prod-check: $failures failure(s)" >&2; exit 1; fi
