"""The « Liens cassés » section of the curator dashboard and its actions: scoped, POST + CSRF, queued re-checks."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curation.models import LinkCheck, LinkOutcome
from directory.models import PublicationStatus
from tests.factories import OfferFactory, StructureFactory, UserFactory, commune, make_curator, make_editor
from tests.link_server import LinkServer

pytestmark = pytest.mark.django_db

NOV_3 = datetime.datetime(2026, 11, 3, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def server():
    server = LinkServer()
    yield server
    server.close()


def broken(entry, url=None, failures=2, **fields):
    """A check as the weekly run leaves it; `url` defaults to the entry's current one."""
    owner = {"offer": entry} if hasattr(entry, "offer_type") else {"structure": entry}
    values = {
        "url": url or getattr(entry, "url", None) or entry.website,
        "outcome": LinkOutcome.HTTP_STATUS,
        "status_code": 404,
        "checked_at": timezone.now(),
        "consecutive_failures": failures,
        "failing_since": NOV_3,
    }
    values.update(fields)
    return LinkCheck.objects.create(**owner, **values)


def section(content: str) -> str:
    return content.split('id="liens-casses"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def links():
    creuse = StructureFactory(name="Fabrique creusoise", commune=commune("23077"), website="https://fabrique.example/")
    offer = OfferFactory(structure=creuse, title="Prêt creusois", url="https://fabrique.example/pret")
    caen = StructureFactory(name="Atelier caennais", commune=commune("14118"), website="https://atelier.example/")
    once = StructureFactory(name="Un seul échec", commune=commune("23077"), website="https://une-fois.example/")
    moved = StructureFactory(name="Adresse corrigée", commune=commune("23077"), website="https://nouvelle.example/")
    archived = StructureFactory(
        name="Fiche archivée", commune=commune("23077"), website="https://archive.example/", status="archived"
    )
    return {
        "creuse": broken(creuse),
        "offer": broken(offer, outcome=LinkOutcome.TIMEOUT, status_code=None, failures=3),
        "caen": broken(caen),
        "once": broken(once, failures=1),
        "moved": broken(moved, url="https://ancienne.example/"),
        "archived": broken(archived),
    }


def test_curators_see_the_broken_links_of_their_region_only(client, links):
    client.force_login(make_curator("REG-75"))
    content = section(client.get(reverse("curation:dashboard")).content.decode())
    assert "(2)" in content.split("</h2>")[0]
    assert "Fabrique creusoise" in content and "https://fabrique.example/" in content and "erreur 404" in content
    assert "Prêt creusois" in content and "délai de réponse dépassé" in content
    assert "depuis le 3 novembre 2026" in content
    # Another région, one transient failure, a URL since corrected, an archived entry: not listed.
    for absent in ("Atelier caennais", "Un seul échec", "Adresse corrigée", "Fiche archivée"):
        assert absent not in content, absent
    assert reverse("curation:structure_edit", args=[links["creuse"].structure_id]) in content
    assert reverse("curation:offer_edit", args=[links["offer"].offer_id]) in content


def test_a_curator_of_another_region_sees_none_of_them_even_in_counts(client, links):
    client.force_login(make_curator("REG-28"))
    content = section(client.get(reverse("curation:dashboard")).content.decode())
    assert "(1)" in content.split("</h2>")[0]  # their own: the Caen one
    assert "Atelier caennais" in content
    assert "Fabrique creusoise" not in content and "fabrique.example" not in content
    links["creuse"].ignored_at = timezone.now()
    links["creuse"].save()
    content = section(client.get(reverse("curation:dashboard")).content.decode())
    assert "ignoré" not in content  # the ignored list of REG-75 is not counted here either


def test_the_broken_links_section_is_paginated_on_its_own_parameter(client):
    client.force_login(make_curator("REG-75"))
    for index in range(23):
        broken(StructureFactory(name=f"Lien {index}", website=f"https://lien-{index}.example/"))
    first = section(client.get(reverse("curation:dashboard")).content.decode())
    assert "(23)" in first and "page_liens=2" in first and "Lien 22" not in first
    second = section(client.get(reverse("curation:dashboard"), {"page_liens": 2}).content.decode())
    assert "Lien 22" in second and "Lien 0<" not in second


def action(pk):
    return reverse("curation:link_check_action", args=[pk])


def test_recheck_requires_post_with_csrf_and_the_curators_scope(links):
    check = links["creuse"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_curator("REG-75"))
    assert strict.post(action(check.pk), {"action": "recheck"}).status_code == 403  # no CSRF token
    assert strict.get(action(check.pk)).status_code == 405
    other = Client()
    other.force_login(make_curator("REG-28"))
    assert other.post(action(check.pk), {"action": "ignore", "reason": "x"}).status_code == 404
    plain = Client()
    plain.force_login(UserFactory())
    assert plain.post(action(check.pk), {"action": "recheck"}).status_code == 403
    editor = Client()
    editor.force_login(make_editor(check.structure))  # edits the entry, but does not curate
    assert editor.post(action(check.pk), {"action": "ignore", "reason": "x"}).status_code == 403
    anonymous = Client().post(action(check.pk), {"action": "recheck"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    check.refresh_from_db()
    assert check.ignored_at is None and check.consecutive_failures == 2


def test_recheck_is_queued_after_commit_and_records_the_new_result(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.LINK_CHECK_ALLOW_PRIVATE_ADDRESSES = True
    structure = StructureFactory(commune=commune("23077"), website=server.url("/ok"))
    check = broken(structure)
    client.force_login(make_curator("REG-75"))
    server.reset()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(action(check.pk), {"action": "recheck"})
    assert response.status_code == 302 and response["Location"].endswith("#liens-casses")
    assert server.requests == [] and len(callbacks) == 1  # nothing fetched while the page was served
    callbacks[0]()  # what the worker does once it takes the task
    check.refresh_from_db()
    assert (check.outcome, check.consecutive_failures, check.failing_since) == (LinkOutcome.OK, 0, None)
    assert server.hits[("HEAD", "/ok")] == 1
    assert "Aucun lien cassé." in section(client.get(reverse("curation:dashboard")).content.decode())


def test_ignore_needs_a_reason_kept_in_the_history_and_can_be_undone(client, links):
    curator = make_curator("REG-75")
    client.force_login(curator)
    check = links["creuse"]
    client.post(action(check.pk), {"action": "ignore", "reason": " "})
    check.refresh_from_db()
    assert check.ignored_at is None
    client.post(action(check.pk), {"action": "ignore", "reason": "Le site bloque les robots"})
    check.refresh_from_db()
    assert check.ignored_by == curator and check.ignore_reason == "Le site bloque les robots"
    content = section(client.get(reverse("curation:dashboard")).content.decode())
    listed, ignored = content.split("<details", 1)
    website = 'href="https://fabrique.example/"'
    assert website not in listed and "(1)" in listed.split("</h2>")[0]  # the offer's page is still listed
    assert website in ignored and "Le site bloque les robots" in ignored and "1 lien cassé ignoré" in ignored
    client.post(action(check.pk), {"action": "restore", "reason": "Finalement à corriger"})
    check.refresh_from_db()
    assert check.ignored_at is None and check.ignore_reason == ""
    reasons = list(
        check.history.filter(history_type="~")
        .order_by("history_id")
        .values_list("history_change_reason", "history_user")
    )
    assert reasons == [
        ("Lien ignoré : Le site bloque les robots", curator.pk),
        ("Lien de nouveau signalé : Finalement à corriger", curator.pk),
    ]
    assert website in section(client.get(reverse("curation:dashboard")).content.decode()).split("<details")[0]


def test_an_ignored_link_that_recovers_then_breaks_again_is_reported_again(server, settings):
    from curation.services.link_check import link_checks_run, owners_due

    settings.LINK_CHECK_ALLOW_PRIVATE_ADDRESSES = True
    structure = StructureFactory(website=server.url("/flaky"))
    check = broken(structure, ignored_at=timezone.now(), ignore_reason="temporaire")
    server.flaky_ok = True
    now = timezone.now()
    link_checks_run(owners=owners_due(checked_before=now + datetime.timedelta(seconds=1)), checked_before=now)
    check.refresh_from_db()
    assert check.ignored_at is None and check.consecutive_failures == 0
    server.flaky_ok = False


def test_archived_entries_links_are_not_listed_but_published_offers_of_published_structures_are(client, links):
    client.force_login(make_curator("REG-75"))
    links["offer"].offer.structure.status = PublicationStatus.DRAFT
    links["offer"].offer.structure.save()
    content = section(client.get(reverse("curation:dashboard")).content.decode())
    assert "Prêt creusois" not in content and "Fabrique creusoise" not in content


def test_merging_structures_keeps_each_link_check_with_a_consistent_owner(links):
    from curation.services.duplicates import structure_merge

    curator = make_curator("REG-75")
    keep = links["creuse"].structure
    drop = links["once"].structure
    offer = OfferFactory(structure=drop, url="https://offre-fusionnee.example/")
    offer_check = broken(offer)
    structure_merge(keep=keep, drop=drop, user=curator, reason="Doublon")
    assert LinkCheck.objects.get(structure=keep) == links["creuse"]  # one website check per structure
    assert LinkCheck.objects.get(pk=links["once"].pk).structure_id == drop.pk  # left with the archived entry
    offer_check.refresh_from_db()
    assert offer_check.offer.structure_id == keep.pk
    assert set(LinkCheck.objects.broken().not_ignored().of_published_entries().filter(offer__structure=keep)) == {
        links["offer"],
        offer_check,
    }
