"""Issue 14 §2–4 (fast part): the client address every throttle sees, the health endpoints, the database-down page,
the request id. The real outages (Redis, broker, worker, PostgreSQL) are in tests/faults (`make faults`)."""

import json

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts.throttle import client_ip

pytestmark = pytest.mark.django_db

API = reverse("funding:api_match")


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy of ours: the header is the client's own words
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real address; the forgery is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_one_rule_reads_the_client_address(num_proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(NUM_PROXIES=num_proxies):
        assert client_ip(request) == expected


def test_a_forged_x_forwarded_for_does_not_reset_the_match_api_limit(client, empty_cache, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    statuses = [
        client.get(API, {"commune": "nulle-part"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(121)
    ]
    assert statuses[:120] == [400] * 120  # counted (the bad commune is a 400), not refused
    assert statuses[120] == 429
    # Another real client is not affected.
    assert client.get(API, {"commune": "nulle-part"}, REMOTE_ADDR="10.7.7.7").status_code == 400


def test_liveness_needs_nothing(client):
    response = client.get("/sante/", HTTP_HOST="10.1.2.3")  # a load balancer probes by address
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_lists_each_dependency(client):
    response = client.get("/sante/pret/")
    report = response.json()
    assert response.status_code == 200, report
    assert set(report["checks"]) == {"database", "migrations", "cache", "broker"}
    assert all(check["ok"] for check in report["checks"].values())


def test_readiness_is_503_when_a_migration_is_missing(client, monkeypatch):
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", lambda self, targets: [("x", False)]
    )
    response = client.get("/sante/pret/")
    assert response.status_code == 503
    report = json.loads(response.content)
    assert report["status"] == "unavailable"
    assert report["checks"]["migrations"] == {
        "ok": False,
        "error": "MigrationsPending",
        "ms": pytest.approx(0, abs=5000),
    }
    assert report["checks"]["database"]["ok"] is True


@override_settings(ROOT_URLCONF="tests.portal.db_down_urls")
def test_a_database_outage_shows_the_french_503_page(client):
    response = client.get("/panne/", HTTP_X_REQUEST_ID="incident-42-abcdef")
    assert response.status_code == 503
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "incident-42-abcdef" in page
    assert 'href="/static/css/guichet.css"' in page  # in the site's layout
    assert "5432" not in page and "Traceback" not in page
    assert response["Retry-After"] == "30"


def test_every_response_carries_a_request_id(client):
    response = client.get("/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32
