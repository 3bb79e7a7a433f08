"""The fault suite (issue 14): the production stack in subprocesses (gunicorn under portal.settings.prod, Celery
workers, a private Redis, the run's database engine), one dependency broken at a time. For each: what the user
sees, and that no e-mail is lost or sent twice once the dependency is back.

Run by `make faults` and by .ci/run on the PostgreSQL + Redis pass; left out of the default `pytest` run (marker
`faults`, deselected in pyproject's addopts) because it starts and kills processes for a minute or two."""

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.prod.stack import (
    Gunicorn,
    PrivateRedis,
    Worker,
    database_for,
    drop_database,
    free_port,
    manage,
    prod_env,
    query,
)

pytestmark = [pytest.mark.faults, pytest.mark.prod]

# Plain HTTP between the test and gunicorn (no proxy here): secure cookies and the HTTPS redirect are off.
PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_PROXY_SSL_HEADER": "",
    "SECURE_HSTS_SECONDS": "0",
}
SLOW = 8.0  # no request may take longer than this, whatever is down (the broken broker hung them 19 s)


class Visitor:
    """A browser without JavaScript: cookies, the CSRF token of the last form, timings."""

    def __init__(self, server: Gunicorn):
        self.server = server
        for _ in range(2 * server.workers):  # first requests of a worker load templates and URLconfs: not timed
            server.get("/compte/login/", headers={"X-Forwarded-Proto": "http"}, timeout=60)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token = ""

    def _open(self, request):
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        elapsed = time.monotonic() - started
        assert elapsed < SLOW, f"{request.get_method()} {request.full_url} took {elapsed:.1f} s"
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if found:
            self.token = found.group(1)
        return status, body

    def get(self, path: str):
        return self._open(urllib.request.Request(self.server.url(path)))

    def post(self, path: str, data: dict):
        if not self.token:
            self.get("/compte/login/")
        encoded = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.token}, doseq=True).encode()
        return self._open(urllib.request.Request(self.server.url(path), data=encoded, method="POST"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


SUBMISSION = {
    "name": "La Fabrique solidaire",
    "roles": ["support", "third_place"],
    "commune": "Faux-la-Montagne (23)",
    "address": "1 place de la Mairie",
    "website": "https://fabrique.example.org",
    "offer_title": "Accompagnement des projets coopératifs",
    "offer_type": "accompagnement",
    "offer_stages": ["emergence"],
    "submitter_name": "Dominique Martin",
    "submitter_email": "dominique@exemple.org",
}
PROFILE = {"commune": "23077", "stage": "emergence", "need": "financement"}


def public_actions(visitor: Visitor, tag: str) -> set[str]:
    """The public forms that send an e-mail, as a visitor uses them; returns the e-mail kinds they queue."""
    status, page = visitor.get("/compte/login/")
    assert status == 200 and "Se connecter" in page
    status, page = visitor.post("/compte/login/", {"username": f"{tag}@exemple.org", "password": "faux"})
    assert status == 200 and "incorrect" in page  # the throttle's counter may be down; the check is not
    status, page = visitor.get("/compte/inscription/")
    assert status == 200
    status, _ = visitor.post("/compte/inscription/", {"email": f"{tag}-inscription@exemple.org", "terms": "on"})
    assert status == 302
    status, page = visitor.get("/curation/referencer/")
    assert status == 200 and "Référencer" in page
    status, _ = visitor.post("/curation/referencer/", {**SUBMISSION, "submitter_email": f"{tag}-fiche@exemple.org"})
    assert status == 302
    status, _ = visitor.post(
        "/parcours/resultats/envoyer/", {**PROFILE, "email": f"{tag}-resultats@exemple.org", "consent": "on"}
    )
    assert status == 302
    status, _ = visitor.post("/compte/password_reset/", {"email": "titulaire@exemple.org"})
    assert status == 302
    status, body = visitor.get("/parcours/api/correspondances/?commune=23077&stage=emergence")
    assert status == 200 and '"results"' in body
    status, _ = visitor.get("/orientations/envoyer-mon-dossier/?commune=23077&stage=emergence")
    assert status < 500
    return {"activation", "submission-acknowledgement", "results-link", "password-reset"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A migrated database with the territories and one account, a private Redis; dropped afterwards."""
    var_dir = tmp_path_factory.mktemp("faults")
    redis = PrivateRedis().start()
    database_url = database_for(var_dir, "faults")
    env = prod_env(var_dir, redis.url, database_url, **PLAIN_HTTP)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_territories", timeout=300)
    manage(
        env,
        "shell",
        "-c",
        "from accounts.models import User; User.objects.create_user(email='titulaire@exemple.org', password='x')",
    )
    yield {"env": env, "redis": redis, "database_url": database_url, "var_dir": var_dir}
    redis.stop()
    drop_database(database_url)


def emails(stack, kinds=None) -> list[tuple[str, str, int]]:
    rows = query(stack["database_url"], "SELECT kind, status, attempts FROM accounts_email ORDER BY id")
    return [row for row in rows if kinds is None or row[0] in kinds]


def delivered(stack) -> list[str]:
    """Every message the file backend wrote (it may append several to one file), oldest first."""
    mail_dir = Path(stack["env"]["EMAIL_FILE_PATH"])
    files = sorted(mail_dir.glob("*.log"), key=lambda path: path.stat().st_mtime) if mail_dir.exists() else []
    separator = "\n" + "-" * 79 + "\n"
    return [message for path in files for message in path.read_text().split(separator) if message.strip()]


def wait_until(condition, timeout: float = 60.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def recover_and_flush(stack, env) -> None:
    """The broker is back: a worker runs, the beat's flush re-queues what is pending."""
    worker = Worker(env, "recovery").start()
    try:
        manage(env, "shell", "-c", "from accounts.tasks import flush_emails; flush_emails(older_than_seconds=0)")
        wait_until(lambda: all(row[1] == "sent" for row in emails(stack)), what="every e-mail sent")
        manage(
            env, "shell", "-c", "from accounts.tasks import flush_emails; flush_emails(older_than_seconds=0)"
        )  # again: nothing
        time.sleep(2)
    finally:
        worker.stop()


def test_redis_down_pages_serve_throttles_fail_open_and_emails_wait(stack):
    """Redis (cache and broker) stopped: every page and form still answers, quickly; the e-mails wait in the
    outbox and are sent once when Redis is back."""
    before = len(delivered(stack))
    with Gunicorn(stack["env"]) as server:
        stack["redis"].stop()
        try:
            kinds = public_actions(Visitor(server), "redis")
            status, body = Visitor(server).get("/sante/pret/")
            assert status == 503 and '"cache": {"ok": false' in body.replace("\n", "")
        finally:
            stack["redis"].start()
        log = server.log.read_text()
    assert "cache unavailable" in log and "throttles fail open" in log
    assert "broker unavailable" in log
    assert "exemple.org" not in log  # no address in the logs
    pending = emails(stack, kinds)
    assert {row[0] for row in pending} == kinds and all(row[1] == "pending" for row in pending)
    recover_and_flush(stack, stack["env"])
    assert len(delivered(stack)) - before == len(emails(stack)) - 0  # one file a message, none twice
    assert all(row[1] == "sent" and row[2] == 1 for row in emails(stack))


def test_broker_refusing_with_the_cache_up_loses_no_email(stack):
    refusing = f"redis://127.0.0.1:{free_port()}/0"
    env = {**stack["env"], "CELERY_BROKER_URL": refusing}
    already = len(emails(stack))
    with Gunicorn(env) as server:
        kinds = public_actions(Visitor(server), "broker")
        log = server.log.read_text()
    assert "broker unavailable" in log and "cache unavailable" not in log
    new = emails(stack)[already:]
    assert {row[0] for row in new} == kinds and all(row[1] == "pending" for row in new)
    sent_before = len(delivered(stack))
    recover_and_flush(stack, stack["env"])
    assert len(delivered(stack)) - sent_before == len(new)
    assert all(row[1] == "sent" and row[2] == 1 for row in emails(stack))


def test_a_worker_killed_during_a_send_is_replaced_and_sends_once(stack):
    started = stack["var_dir"] / "send-started"
    slow = {
        **stack["env"],
        "EMAIL_BACKEND": "tests.faults.slow_mail.SlowFileBackend",
        "SLOW_MAIL_STARTED": str(started),
        "SLOW_MAIL_SECONDS": "60",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    already, sent_before = len(emails(stack)), len(delivered(stack))
    worker = Worker(slow, "doomed").start()
    try:
        with Gunicorn(stack["env"]) as server:
            status, _ = Visitor(server).post(
                "/compte/inscription/", {"email": "tuee-en-vol@exemple.org", "terms": "on"}
            )
            assert status == 302
        wait_until(started.exists, what="the send to begin")
    finally:
        worker.kill()
    [row] = emails(stack)[already:]
    assert row[1] == "pending" and row[2] == 0  # the killed send rolled back: nothing recorded as sent
    assert len(delivered(stack)) == sent_before
    # A new worker: the unacknowledged message comes back after the visibility timeout, and the flush queues the
    # same e-mail again. Both reach the worker; one sends.
    replacement = Worker({**stack["env"], "CELERY_VISIBILITY_TIMEOUT": "5"}, "replacement").start()
    try:
        manage(
            stack["env"], "shell", "-c", "from accounts.tasks import flush_emails; flush_emails(older_than_seconds=0)"
        )
        wait_until(lambda: emails(stack)[already][1] == "sent", what="the e-mail sent")
        time.sleep(8)  # past the visibility timeout: a redelivery would show now
    finally:
        replacement.stop()
    # The flush also sent what earlier outages left pending; this e-mail went exactly once.
    assert sum("tuee-en-vol@exemple.org" in message for message in delivered(stack)) == 1


def test_database_refused_shows_the_french_503_page(stack):
    refused = f"postgres://postgres@127.0.0.1:{free_port()}/guichet"
    env = {**stack["env"], "DATABASE_URL": refused}
    with Gunicorn(env) as server:
        visitor = Visitor(server)
        for path in ("/", "/compte/login/", "/directory/", "/curation/referencer/"):
            status, page = visitor.get(path)
            assert status == 503, path
            assert "Service momentanément indisponible" in page and "Rien de ce que vous aviez" in page
            assert "Connection refused" not in page and "5432" not in page
        status, body = visitor.get("/sante/")
        assert status == 200
        status, body = visitor.get("/sante/pret/")
        assert status == 503 and '"database": {"ok": false' in body.replace("\n", "")
