"""funding/0005_outbox_fold: the referrals' outbox rows are carried into the one outbox (accounts.Email) before
their table goes, pending ones still pending (sent once after the upgrade), sent ones still sent (never again).

Runs `manage.py` on a fresh SQLite file of its own, like tests/test_migrations.py."""

import json
import sqlite3

from tests.test_migrations import manage

INSERT = (
    'INSERT INTO funding_outboxemail (key, kind, referral_id, "to", reply_to, headers, subject, body, status,'
    " attempts, last_error, created_at, sent_at) VALUES (?, ?, NULL, ?, '[]', ?, ?, ?, ?, ?, '', ?, ?)"
)


def test_the_referrals_outbox_rows_are_copied_into_the_one_outbox(tmp_path):
    path = tmp_path / "fold.sqlite3"
    url, var_dir = f"sqlite:///{path}", tmp_path / "var"
    manage(url, var_dir, "migrate", "funding", "0004_alerts_subscriptions", "--noinput")
    with sqlite3.connect(path) as db:
        db.execute(
            INSERT,
            (
                "line-7-reminder-21",
                "reminder-21",
                '["a@exemple.org"]',
                "{}",
                "Relance",
                "Corps é",
                "pending",
                2,
                "2026-11-01 08:00:00",
                None,
            ),
        )
        db.execute(
            INSERT,
            (
                "alert-digest-3-2026-11-02",
                "alert-digest",
                '["b@exemple.org"]',
                json.dumps({"List-Unsubscribe": "<https://exemple.org/d/>"}),
                "Alertes",
                "Offres",
                "sent",
                1,
                "2026-11-02 06:00:00",
                "2026-11-02 06:01:00",
            ),
        )
    manage(url, var_dir, "migrate", "--noinput")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            'SELECT key, kind, "to", headers, subject, body, status, attempts, "group", created_at, sent_at'
            " FROM accounts_email ORDER BY id"
        ).fetchall()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert [(*row[:3], json.loads(row[3]), *row[4:]) for row in rows] == [
        (
            "line-7-reminder-21",
            "reminder-21",
            '["a@exemple.org"]',
            {},
            "Relance",
            "Corps é",
            "pending",
            2,
            "",
            "2026-11-01 08:00:00",
            None,
        ),
        (
            "alert-digest-3-2026-11-02",
            "alert-digest",
            '["b@exemple.org"]',
            {"List-Unsubscribe": "<https://exemple.org/d/>"},
            "Alertes",
            "Offres",
            "sent",
            1,
            "",
            "2026-11-02 06:00:00",
            "2026-11-02 06:01:00",
        ),
    ]
    assert "funding_outboxemail" not in tables
