"""deploy/backup.sh and deploy/restore.sh: a nightly dump restores into a new database with its rows."""

import os
import shutil
import subprocess

import pytest

from tests.prod.stack import ROOT, database_for, drop_database, manage, prod_env, query

pytestmark = [pytest.mark.prod, pytest.mark.postgres]


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_a_backup_restores_into_a_new_database(tmp_path):
    source = database_for(tmp_path, "backup_source")
    restored = source.rsplit("/", 1)[0] + "/" + source.rsplit("/", 1)[1].replace("backup_source", "backup_restored")
    drop_database(restored)
    try:
        env = prod_env(tmp_path, "redis://127.0.0.1:1/0", source)
        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from accounts.models import Email; Email.objects.create(key='k1', kind='test', to=['a@exemple.org'],"
            " subject='Sauvegarde', body='Corps é')",
        )
        backups = tmp_path / "backups"
        result = subprocess.run(
            [str(ROOT / "deploy/backup.sh")],
            env={**os.environ, "DATABASE_URL": source, "BACKUP_DIR": str(backups)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        [dump] = backups.glob("guichet-*.dump")
        assert result.stdout.strip() == str(dump)
        assert oct(dump.stat().st_mode & 0o777) == "0o600"  # personal data: readable by the owner only

        result = subprocess.run(
            [str(ROOT / "deploy/restore.sh"), str(dump), restored], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "migrations recorded" in result.stdout
        assert query(restored, "SELECT subject, body FROM accounts_email") == [("Sauvegarde", "Corps é")]
        migrations = query(source, "SELECT count(*) FROM django_migrations")
        assert query(restored, "SELECT count(*) FROM django_migrations") == migrations

        # Never over an existing database.
        again = subprocess.run(
            [str(ROOT / "deploy/restore.sh"), str(dump), restored], capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 2 and "already exists" in again.stderr
    finally:
        drop_database(source)
        drop_database(restored)
