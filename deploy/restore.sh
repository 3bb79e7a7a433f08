#!/usr/bin/env bash
# Restore a backup made by backup.sh into a NEW, empty database (never over the live one), then check it.
# Usage: deploy/restore.sh /var/backups/guichet/guichet-….dump postgres://postgres@127.0.0.1:5432/guichet_restored
# Then point DATABASE_URL at it (or rename the databases) during a maintenance window.
set -euo pipefail
dump="${1:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL}"
target="${2:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL}"
server="${target%/*}"
name="${target##*/}"
name="${name%%\?*}"
if psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  echo "restore.sh: database $name already exists; restore into a new database" >&2
  exit 2
fi
psql "$server/postgres" -qc "CREATE DATABASE \"$name\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$target" "$dump"
# The restored database must know every migration of the code that will run on it.
applied=$(psql "$target" -tAc "SELECT count(*) FROM django_migrations")
echo "restored $dump into $name: $applied migrations recorded"
