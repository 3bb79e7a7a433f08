"""The link checker against a real HTTP server on 127.0.0.1: statuses, errors, politeness, and their records."""

import datetime

import pytest
import time_machine
from django.core.management import call_command

from curation.models import LinkCheck, LinkOutcome
from curation.services.link_check import CheckOptions, check_urls, link_checks_run, owners_due
from curation.tasks import check_due_links, check_links
from directory.models import PublicationStatus
from tests.factories import OfferFactory, StructureFactory
from tests.link_server import LinkServer, closed_port

T0 = datetime.datetime(2026, 11, 2, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def server():
    server = LinkServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_server(server, settings):
    server.reset()
    server.flaky_ok = False
    # Everything here is served from 127.0.0.1, which production refuses (see test_private_addresses_…).
    settings.LINK_CHECK_ALLOW_PRIVATE_ADDRESSES = True
    settings.LINK_CHECK_TIMEOUT = 0.5
    return server


def options(**overrides):
    return CheckOptions.from_settings(**overrides)


def at(moment):
    return time_machine.travel(moment, tick=False)


# --- The network part ---------------------------------------------------------------------------------------


def test_each_kind_of_answer_is_recorded_with_its_status_and_final_address(server):
    urls = {
        "ok": server.url("/ok"),
        "moved": server.url("/moved"),
        "missing": server.url("/missing"),
        "error": server.url("/error"),
        "slow": server.url("/slow"),
        "no_head": server.url("/no-head"),
        "loop": server.url("/loop/0"),
        "forbidden": server.url("/forbidden"),
        "refused": f"http://127.0.0.1:{closed_port()}/",
        "ssl": server.url("/ok").replace("http://", "https://"),
        "dns": "http://nulle-part.invalid/",
        "ftp": "ftp://127.0.0.1/fichier",
    }
    results = check_urls(urls.values(), options=options(timeout=0.4))
    got = {name: (results[url].outcome, results[url].status_code) for name, url in urls.items()}
    assert got == {
        "ok": (LinkOutcome.OK, 200),
        "moved": (LinkOutcome.OK, 200),
        "missing": (LinkOutcome.HTTP_STATUS, 404),
        "error": (LinkOutcome.HTTP_STATUS, 500),
        "slow": (LinkOutcome.TIMEOUT, None),
        "no_head": (LinkOutcome.OK, 200),
        "loop": (LinkOutcome.TOO_MANY_REDIRECTS, 302),
        "forbidden": (LinkOutcome.RESTRICTED, 403),
        "refused": (LinkOutcome.REFUSED, None),
        "ssl": (LinkOutcome.SSL, None),
        "dns": (LinkOutcome.DNS, None),
        "ftp": (LinkOutcome.INVALID_URL, None),
    }
    assert results[urls["moved"]].final_url == server.url("/ok")
    assert results[urls["ok"]].final_url == server.url("/ok")
    assert results[urls["ok"]].ok and results[urls["forbidden"]].ok and not results[urls["missing"]].ok


def test_accented_addresses_are_sent_as_browsers_send_them(server):
    url = server.url("/économie-sociale")
    results = check_urls([url, "http://bücher.invalid/"])
    assert (results[url].outcome, results[url].status_code, results[url].url) == (LinkOutcome.OK, 200, url)
    assert server.hits[("HEAD", "/%C3%A9conomie-sociale")] == 1
    assert results["http://bücher.invalid/"].outcome == LinkOutcome.DNS  # looked up as xn--bcher-kva.invalid


def test_head_first_get_only_when_head_is_refused_and_redirects_are_capped(server, settings):
    settings.LINK_CHECK_MAX_REDIRECTS = 3
    check_urls([server.url("/ok"), server.url("/no-head"), server.url("/loop/0")])
    assert server.hits[("HEAD", "/ok")] == 1 and server.hits[("GET", "/ok")] == 0
    assert server.hits[("HEAD", "/no-head")] == 1 and server.hits[("GET", "/no-head")] == 1
    # /loop/0 and three redirects followed, then it stops.
    assert sum(count for (method, path), count in server.hits.items() if path.startswith("/loop/")) == 4


def test_the_requests_name_the_portal(server):
    check_urls([server.url("/ok")])
    assert [request[3] for request in server.requests] == ["GuichetESS-LinkChecker/1.0 (+http://127.0.0.1:8000)"]


def test_identical_urls_are_asked_once(server):
    results = check_urls([server.url("/ok")] * 5 + [server.url("/moved")] * 2)
    assert len(results) == 2
    assert server.hits[("HEAD", "/ok")] == 2  # once for itself, once as the redirect's target
    assert server.hits[("HEAD", "/moved")] == 1


def test_the_global_concurrency_limit_is_honoured(server):
    urls = [server.url(f"/wait?n={n}") for n in range(9)]
    results = check_urls(urls, options=options(concurrency=3, per_host=10, timeout=5))
    assert all(result.ok for result in results.values())
    assert server.hits[("HEAD", "/wait")] == 9
    assert 2 <= server.max_active <= 3  # in parallel, never above the limit


def test_at_most_per_host_requests_at_once_on_one_host(server):
    urls = [server.url(f"/wait?n={n}", host=host) for n in range(6) for host in ("127.0.0.1", "localhost")]
    check_urls(urls, options=options(concurrency=8, per_host=2, timeout=5))
    assert server.hits[("HEAD", "/wait")] == 12
    assert server.max_by_host["127.0.0.1"] == 2 and server.max_by_host["localhost"] == 2
    assert server.max_active >= 3  # the two hosts were served at the same time


def test_private_addresses_are_refused_unless_allowed(server):
    results = check_urls([server.url("/ok")], options=options(allow_private=False))
    assert results[server.url("/ok")].outcome == LinkOutcome.FORBIDDEN_ADDRESS
    assert server.requests == []  # not even connected


# --- Recording, with the database ---------------------------------------------------------------------------


def run(*owners_args, checked_before=None, **kwargs):
    checked_before = checked_before or datetime.datetime.now(datetime.UTC)
    return link_checks_run(owners=owners_due(checked_before=checked_before, **kwargs), checked_before=checked_before)


@pytest.mark.django_db
def test_results_are_recorded_per_website_and_offer_page(server):
    structure = StructureFactory(website=server.url("/missing"))
    offer = OfferFactory(structure=structure, url=server.url("/moved"))
    no_url = StructureFactory(website="")
    with at(T0):
        report = run()
    assert report.as_dict() == {"entries": 2, "urls": 2, "ok": 1, "failing": 1, "broken": 0, "skipped": 0}
    website = LinkCheck.objects.get(structure=structure)
    page = LinkCheck.objects.get(offer=offer)
    assert (website.outcome, website.status_code, website.consecutive_failures) == (LinkOutcome.HTTP_STATUS, 404, 1)
    assert website.checked_at == T0 and website.failing_since == T0 and not website.is_broken
    assert (page.outcome, page.status_code, page.final_url) == (LinkOutcome.OK, 200, server.url("/ok"))
    assert page.consecutive_failures == 0 and page.failing_since is None
    assert not LinkCheck.objects.filter(structure=no_url).exists()


@pytest.mark.django_db
def test_broken_after_two_consecutive_failures_and_repaired_by_one_success(server):
    structure = StructureFactory(website=server.url("/flaky"))
    with at(T0):
        run()
    check = LinkCheck.objects.get()
    assert check.consecutive_failures == 1 and not LinkCheck.objects.broken().exists()
    with at(T0 + datetime.timedelta(days=7)):
        assert run().broken == 1
    check.refresh_from_db()
    assert check.consecutive_failures == 2 and check.failing_since == T0 and check.status_code == 503
    assert list(LinkCheck.objects.broken()) == [check]
    server.flaky_ok = True
    with at(T0 + datetime.timedelta(days=14)):
        run()
    check.refresh_from_db()
    assert (check.consecutive_failures, check.failing_since, check.outcome) == (0, None, LinkOutcome.OK)
    assert not LinkCheck.objects.broken().exists()
    assert structure.link_checks.get() == check


@pytest.mark.django_db
def test_a_url_shared_by_several_entries_is_asked_once(server):
    url = server.url("/ok")
    first = StructureFactory(website=url)
    second = StructureFactory(website=url)
    offer = OfferFactory(structure=first, url=url)
    assert run().as_dict()["urls"] == 1
    assert server.hits[("HEAD", "/ok")] == 1
    assert LinkCheck.objects.filter(outcome=LinkOutcome.OK).count() == 3
    assert {c.entry for c in LinkCheck.objects.all()} == {first, second, offer}


@pytest.mark.django_db
def test_a_new_url_starts_over_and_the_old_result_no_longer_applies(server):
    structure = StructureFactory(website=server.url("/missing"))
    with at(T0):
        run()
    with at(T0 + datetime.timedelta(days=7)):
        run()
    assert LinkCheck.objects.broken().count() == 1
    structure.website = server.url("/error")
    structure.save()
    assert not LinkCheck.objects.broken().exists()  # the 404 was about the old address
    with at(T0 + datetime.timedelta(days=8)):
        run()
    check = LinkCheck.objects.get()
    assert (check.url, check.status_code, check.consecutive_failures) == (server.url("/error"), 500, 1)


@pytest.mark.django_db
def test_the_task_is_idempotent_for_one_request(server):
    structure = StructureFactory(website=server.url("/flaky"))
    requested = T0.isoformat()
    with at(T0 + datetime.timedelta(seconds=1)):
        first = check_links.delay(structure_ids=[structure.pk], checked_before=requested).get()
        second = check_links.delay(structure_ids=[structure.pk], checked_before=requested).get()
    assert first["failing"] == 1
    assert second == {"entries": 0, "urls": 0, "ok": 0, "failing": 0, "broken": 0, "skipped": 0}
    assert LinkCheck.objects.get().consecutive_failures == 1  # one failure, however many deliveries
    assert server.hits[("HEAD", "/flaky")] == 1
    # A later request is a new check: the second failure.
    with at(T0 + datetime.timedelta(days=1)):
        check_links.delay(structure_ids=[structure.pk], checked_before=(T0 + datetime.timedelta(days=1)).isoformat())
    assert LinkCheck.objects.get().consecutive_failures == 2


@pytest.mark.django_db
def test_recording_twice_for_the_same_request_counts_once(server):
    """Two deliveries running at once both fetch; the second to record finds the first's result and skips."""
    structure = StructureFactory(website=server.url("/missing"))
    owners = owners_due(checked_before=T0)
    with at(T0 + datetime.timedelta(seconds=5)):
        link_checks_run(owners=owners, checked_before=T0)
        report = link_checks_run(owners=owners, checked_before=T0)
    assert report.skipped == 1
    assert LinkCheck.objects.get(structure=structure).consecutive_failures == 1


@pytest.mark.django_db
def test_weekly_task_checks_published_entries_whose_check_is_old_in_chunks(server, settings):
    settings.LINK_CHECK_CHUNK_SIZE = 2
    settings.LINK_CHECK_MAX_AGE_DAYS = 6
    with at(T0 - datetime.timedelta(days=3)):
        fresh = StructureFactory(website=server.url("/ok?fresh"))
        run()
    with at(T0 - datetime.timedelta(days=7)):
        old = StructureFactory(website=server.url("/ok?old"))
        run(structures=type(old).objects.filter(pk=old.pk))
    never = StructureFactory(website=server.url("/ok?never"))
    shared = [StructureFactory(website=server.url("/ok?shared")) for _ in range(3)]
    draft = StructureFactory(website=server.url("/ok?draft"), status=PublicationStatus.DRAFT)
    draft_offer = OfferFactory(structure=never, url=server.url("/ok?draft-offer"), status=PublicationStatus.DRAFT)
    server.reset()
    with at(T0):
        result = check_due_links.delay().get()
    # never, the three sharing one URL (one chunk of 3, over the size of 2 rather than split), old.
    assert result == {"entries": 5, "chunks": 3}
    asked = {request[1] for request in server.requests}
    assert asked == {"/ok?old", "/ok?never", "/ok?shared"}
    assert server.hits[("HEAD", "/ok")] == 3
    assert LinkCheck.objects.get(structure=old).checked_at == T0
    assert all(LinkCheck.objects.get(structure=s).checked_at == T0 for s in shared)
    assert LinkCheck.objects.get(structure=fresh).checked_at == T0 - datetime.timedelta(days=3)
    assert not LinkCheck.objects.filter(structure=draft).exists() and not draft_offer.link_checks.exists()
    with at(T0 + datetime.timedelta(hours=1)):
        assert check_due_links.delay().get() == {"entries": 0, "chunks": 0}


# --- The command --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_links_command_limit_age_and_structure(server):
    import io

    with at(T0 - datetime.timedelta(days=2)):
        recent = StructureFactory(website=server.url("/ok?recent"))
        run()
    first = StructureFactory(website=server.url("/missing"))
    second = StructureFactory(website=server.url("/ok?second"))
    offer = OfferFactory(structure=recent, url=server.url("/ok?offer"))
    out = io.StringIO()
    with at(T0):
        call_command("check_links", "--limit", "1", stdout=out)
    assert LinkCheck.objects.filter(checked_at=T0).count() == 1  # never-checked entries first, one only
    assert "Vérification des liens : 1/1 (100 %)" in out.getvalue()
    assert "1 fiche vérifiée" in out.getvalue()
    out = io.StringIO()
    with at(T0 + datetime.timedelta(minutes=1)):
        call_command("check_links", stdout=out)
    assert {c.entry for c in LinkCheck.objects.filter(checked_at__gte=T0)} == {first, second, offer}
    assert "1 en échec" in out.getvalue()
    # --older-than-days 1: the two-day-old check is redone; --structure: that structure and its offers, whatever age.
    with at(T0 + datetime.timedelta(minutes=2)):
        call_command("check_links", "--older-than-days", "1", stdout=io.StringIO())
    assert LinkCheck.objects.get(structure=recent).checked_at == T0 + datetime.timedelta(minutes=2)
    with at(T0 + datetime.timedelta(minutes=3)):
        call_command("check_links", "--structure", str(recent.pk), stdout=io.StringIO())
    moved = {c.entry for c in LinkCheck.objects.filter(checked_at=T0 + datetime.timedelta(minutes=3))}
    assert moved == {recent, offer}
