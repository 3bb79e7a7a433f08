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
# The earthdistance extension's ll_to_earth() names the `earth` type without its schema, and a dump restores with an
# empty search_path, so the GiST index on ll_to_earth(latitude, longitude) could not be rebuilt (a known limit of
# the extension): the script is replayed with `public` on the search_path instead, in one transaction.
pg_restore --no-owner --no-privileges --file=- "$dump" \
  | sed "s/set_config('search_path', '', false)/set_config('search_path', 'public', false)/" \
  | psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 --single-transaction --output=/dev/null "$target"
# The restored database must know every migration of the code that will run on it.
applied=$(psql "$target" -tAc "SELECT count(*) FROM django_migrations")
echo "restored $dump into $name: $applied migrations recorded"
