#!/usr/bin/env bash
# Nightly PostgreSQL backup: a custom-format pg_dump (compressed, restorable table by table), kept
# BACKUP_KEEP_DAYS days. Run by deploy/systemd/guichet-backup.timer (02:30) or cron:
#   30 2 * * *  guichet  /srv/guichet/deploy/backup.sh
# Usage: DATABASE_URL=postgres://… BACKUP_DIR=/var/backups/guichet deploy/backup.sh
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL is required}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/guichet}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-30}"
mkdir -p "$BACKUP_DIR"
umask 077  # the dump holds personal data
target="$BACKUP_DIR/guichet-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --no-privileges --file="$target.partial" "$DATABASE_URL"
mv "$target.partial" "$target"  # a dump only gets its final name once complete
pg_restore --list "$target" >/dev/null  # readable, or the script fails (and the timer reports it)
find "$BACKUP_DIR" -name 'guichet-*.dump' -mtime +"$KEEP_DAYS" -delete
echo "$target"
