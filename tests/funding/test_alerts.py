"""Alerts: double opt-in, the daily digest (frozen clock, idempotent, through the outbox), one-click unsubscribe
(RFC 8058), forged and reused links, and the Atom feed of open calls."""

import datetime
import html
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import Email
from funding.alerts import services
from funding.alerts.models import AlertDigest, AlertSubscription
from tests.factories import OfferFactory, StructureFactory, commune, deliver_outbox, make_holder

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=1))
SEARCH = [("territory", "COM-23077"), ("stage", "emergence")]
PARCOURS = [("commune", "23077"), ("stage", "emergence")]


def at(day: int, hour: int = 7):
    return datetime.datetime(2026, 3, day, hour, 30, tzinfo=PARIS)


def run_daily():
    """The daily task's work, then what the worker does after commit: send the outbox."""
    result = services.send_daily_digests()
    deliver_outbox()
    return result


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def subscribe(client, query=SEARCH, kind="search", email="porteuse@exemple.org"):
    response = client.post(
        reverse("funding:alert_subscribe"), {"kind": kind, "query": urlencode(query), "email": email}
    )
    assert response.status_code == 200, html.unescape(response.content.decode())
    deliver_outbox()
    return AlertSubscription.objects.latest("pk")


def confirm(client, subscription):
    body = Email.objects.get(key=f"alert-confirm-{subscription.pk}").body
    confirm_link = next(link for link in links(body) if "/alertes/confirmer/" in link)
    page = client.get(confirm_link.split("8000", 1)[-1])
    assert page.status_code == 200 and "est active" in html.unescape(page.content.decode())
    subscription.refresh_from_db()
    return subscription


@pytest.fixture
def structure():
    return StructureFactory(commune=commune("23077"))


def test_an_unconfirmed_address_gets_only_the_confirmation(client, structure, eager_celery, empty_cache):
    with time_machine.travel(at(1), tick=False):
        run_daily()  # first run: records what exists
        subscription = subscribe(client)
        assert subscription.confirmed_at is None and subscription.label.startswith("Recherche")
        assert [m.subject for m in mail.outbox] == ["Confirmez votre alerte du Guichet ESS"]
    with time_machine.travel(at(2), tick=False):
        OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence"])
        assert run_daily()["digests"] == 0
    assert len(mail.outbox) == 1


def test_daily_digest_once_a_day_with_its_four_sections(client, structure, eager_celery, empty_cache):
    closing = OfferFactory(
        structure=structure, title="AAP qui ferme", coverage=["DEP-23"], closes_on=datetime.date(2026, 3, 10)
    )
    moving = OfferFactory(
        structure=structure, title="AAP prolongé", coverage=["REG-75"], closes_on=datetime.date(2026, 3, 20)
    )
    with time_machine.travel(at(1), tick=False):
        run_daily()
        confirm(client, subscribe(client))
    mail.outbox.clear()
    with time_machine.travel(at(2, 9), tick=False):
        OfferFactory(structure=structure, title="Nouvel accompagnement", coverage=["COM-23077"])
        OfferFactory(structure=structure, title="Nouvel appel", coverage=["FR"], closes_on=datetime.date(2026, 6, 1))
        OfferFactory(structure=structure, title="Ailleurs", coverage=["DEP-14"])  # not for this search
        OfferFactory(structure=structure, title="Autre étape", coverage=["DEP-23"], stages=["consolidation"])
        moving.closes_on = datetime.date(2026, 4, 15)
        moving.save()
    with time_machine.travel(at(3), tick=False):  # 10 March is now within 7 days
        assert run_daily()["digests"] == 1
        assert run_daily()["digests"] == 0  # run twice: one e-mail
    [digest] = mail.outbox
    body = digest.body
    assert "Nouvel accompagnement" in body and "Nouvel appel" in body and "AAP prolongé" in body
    assert "AAP qui ferme" in body and "Ailleurs" not in body and "Autre étape" not in body
    assert body.index("Nouvelles offres") < body.index("Nouveaux appels") < body.index("date de clôture a changé")
    assert "clôture désormais le 15 avril 2026" in body
    assert body.index("ferment dans moins de 7 jours") < body.index("AAP qui ferme")
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in body and "/alertes/desinscription/" in unsubscribe
    assert AlertDigest.objects.get().counts == {
        "new_offers": 1,
        "new_calls": 1,
        "changed_calls": 1,
        "closing_calls": 1,
    }
    assert OfferWatch_count() > 0
    # The next day, nothing new: no e-mail; the closing call is not announced a second time.
    with time_machine.travel(at(4), tick=False):
        assert run_daily()["digests"] == 0
    assert len(mail.outbox) == 1
    assert closing.pk  # kept for readability of the scenario


def OfferWatch_count():
    from funding.alerts.models import OfferWatch

    return OfferWatch.objects.count()


def test_what_comes_after_the_days_digest_waits_for_tomorrow(client, structure, eager_celery, empty_cache):
    with time_machine.travel(at(1), tick=False):
        run_daily()
        confirm(client, subscribe(client))
    mail.outbox.clear()
    with time_machine.travel(at(2, 6), tick=False):
        OfferFactory(structure=structure, title="Première", coverage=["DEP-23"])
        assert run_daily()["digests"] == 1
    with time_machine.travel(at(2, 18), tick=False):
        OfferFactory(structure=structure, title="Seconde", coverage=["DEP-23"])
        assert run_daily()["digests"] == 0
    with time_machine.travel(at(3, 6), tick=False):
        assert run_daily()["digests"] == 1
    assert ["Première" in m.body and "Seconde" not in m.body for m in mail.outbox] == [True, False]
    assert "Seconde" in mail.outbox[1].body


def test_parcours_alert_uses_the_matching_engine(client, structure, eager_celery, empty_cache):
    with time_machine.travel(at(1), tick=False):
        run_daily()
        subscription = confirm(client, subscribe(client, PARCOURS, kind="parcours"))
    assert subscription.label == "Parcours : Émergence à Faux-la-Montagne (23)"
    mail.outbox.clear()
    with time_machine.travel(at(2), tick=False):
        OfferFactory(structure=structure, title="Pour les SCOP", coverage=["DEP-23"], eligible_legal_forms=["scop"])
        OfferFactory(structure=structure, title="Pour l'émergence", coverage=["EPCI-200044014"])
        OfferFactory(structure=structure, title="Déjà clos", coverage=["DEP-23"], closes_on=datetime.date(2026, 2, 1))
    with time_machine.travel(at(3), tick=False):
        run_daily()
    [digest] = mail.outbox
    assert "Pour l'émergence" in digest.body and "Pour les SCOP" in digest.body  # no legal form given
    assert "Déjà clos" not in digest.body


def test_signed_in_holders_use_their_account_address(client, structure):
    holder = make_holder(email="titulaire@exemple.org")
    client.force_login(holder)
    response = client.post(
        reverse("funding:alert_subscribe"),
        {"kind": "search", "query": urlencode(SEARCH), "email": "autre@exemple.org"},
    )
    assert response.status_code == 200
    subscription = AlertSubscription.objects.get()
    assert subscription.email == "titulaire@exemple.org" and subscription.user == holder
    assert subscription.confirmed_at is not None
    assert not OfferWatch_count() and not Email.objects.exists()  # no confirmation needed


def test_one_click_unsubscribe_then_reused_and_forged_links(client, structure, eager_celery, empty_cache):
    with time_machine.travel(at(1), tick=False):
        subscription = confirm(client, subscribe(client))
    path = services.unsubscribe_url(subscription).split("8000", 1)[-1]
    # A GET (a mail scanner, a click) changes nothing: it asks for one click.
    page = client.get(path)
    assert page.status_code == 200 and "Me désinscrire" in html.unescape(page.content.decode())
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is None
    # RFC 8058: the mail client POSTs « List-Unsubscribe=One-Click », without CSRF token.
    csrf_client = client.__class__(enforce_csrf_checks=True)
    done = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Vous ne recevrez plus cette alerte" in html.unescape(done.content.decode())
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None and subscription.email == ""
    reused = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert reused.status_code == 400
    assert "déjà désinscrit·e de cette alerte : rien n'a été modifié" in html.unescape(reused.content.decode())

    other = confirm(client, subscribe(client, email="autre@exemple.org"))
    forged = services.unsubscribe_url(other).split("8000", 1)[-1].replace("/desinscription/", "/desinscription/x")
    answer = csrf_client.post(forged)
    assert answer.status_code == 400 and "Ce lien n'est pas valide : rien n'a été modifié." in html.unescape(
        answer.content.decode()
    )
    other.refresh_from_db()
    assert other.unsubscribed_at is None and other.email == "autre@exemple.org"
    # A token signed for confirmation is not an unsubscribe token.
    confirm_token = services.confirm_url(other).rstrip("/").rsplit("/", 1)[-1]
    answer = csrf_client.post(reverse("funding:alert_unsubscribe", args=[confirm_token]))
    assert answer.status_code == 400


def test_bad_criteria_and_missing_address_are_refused_in_french(client, empty_cache):
    response = client.post(reverse("funding:alert_subscribe"), {"kind": "search", "query": "territory=Atlantide"})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Indiquez l'adresse" in page
    response = client.post(
        reverse("funding:alert_subscribe"),
        {"kind": "parcours", "query": "commune=99999", "email": "a@exemple.org"},
    )
    assert response.status_code == 400 and "Ces critères ne sont pas valides" in html.unescape(
        response.content.decode()
    )
    assert not AlertSubscription.objects.exists()


def test_atom_feed_of_open_calls_per_territory_and_stage(client, structure):
    today = timezone.localdate()
    OfferFactory(structure=structure, title="AAP Creuse", coverage=["DEP-23"], closes_on=today + datetime.timedelta(5))
    OfferFactory(structure=structure, title="AAP clos", coverage=["DEP-23"], closes_on=today - datetime.timedelta(1))
    OfferFactory(structure=structure, title="AAP Calvados", coverage=["DEP-14"], closes_on=today)
    OfferFactory(structure=structure, title="Pas un appel", coverage=["DEP-23"])
    OfferFactory(
        structure=structure,
        title="AAP consolidation",
        coverage=["FR"],
        stages=["consolidation"],
        opens_on=today,
    )
    response = client.get(reverse("funding:calls_feed"), {"territoire": "COM-23077", "etape": "emergence"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = html.unescape(response.content.decode())
    assert "AAP Creuse" in feed
    for absent in ("AAP clos", "AAP Calvados", "Pas un appel", "AAP consolidation"):
        assert absent not in feed
    everywhere = client.get(reverse("funding:calls_feed")).content.decode()
    assert "AAP Calvados" in everywhere and "AAP consolidation" in everywhere and "AAP clos" not in everywhere
    unknown = client.get(reverse("funding:calls_feed"), {"territoire": "COM-99999"})
    assert unknown.status_code == 404


# A run: the watch's diff (6), the day's events and their offers (4), the one query matched (3), the empty chunk
# that ends the loop and the run's record (2). A chunk: read, its digests of the day, then in its transaction the
# lock, the digests again, the digests, the outbox keys, rows and ids, checked_until (11, savepoints included).
QUERIES_PER_RUN, QUERIES_PER_CHUNK = 15, 11


def _confirmed(count: int, query=SEARCH, kind="search", since=None) -> list[AlertSubscription]:
    return AlertSubscription.objects.bulk_create(
        AlertSubscription(
            email=f"abonne-{index}@exemple.org",
            kind=kind,
            query=urlencode(query),
            label=f"Alerte {index}",
            nonce=f"{index:016x}",
            confirmed_at=since,
            checked_until=since,
        )
        for index in range(count)
    )


@pytest.mark.parametrize("count", [3, 12])
def test_the_daily_run_writes_in_chunks_not_per_subscription(
    count, structure, empty_cache, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Many subscriptions of one query: matched once, each chunk written in a few statements and its e-mails
    queued in one task, one e-mail each with its own unsubscribe link; the second run of the day writes nothing."""
    monkeypatch.setattr(services, "CHUNK", 5)
    queued = []
    monkeypatch.setattr(outbox, "enqueue", queued.append)
    with time_machine.travel(at(1), tick=False):
        services.send_daily_digests()
        subscriptions = _confirmed(count, since=timezone.now())
        unsubscribed = _confirmed(1, since=timezone.now())[0]
        AlertSubscription.objects.filter(pk=unsubscribed.pk).update(unsubscribed_at=timezone.now(), email="")
    with time_machine.travel(at(2), tick=False):
        OfferFactory(structure=structure, title="Nouvelle offre", coverage=["DEP-23"])
        chunks = (count + 4) // 5  # the unsubscribed one is not read
        with django_capture_on_commit_callbacks(execute=True):
            with django_assert_num_queries(QUERIES_PER_RUN + QUERIES_PER_CHUNK * chunks):
                assert services.send_daily_digests()["digests"] == count
        assert services.send_daily_digests()["digests"] == 0
    assert [len(ids) for ids in queued] == [min(5, count - start) for start in range(0, count, 5)]
    emails = list(Email.objects.filter(kind="alert-digest"))
    assert sorted(e.to[0] for e in emails) == sorted(s.email for s in subscriptions)
    assert all("Nouvelle offre" in e.body for e in emails)
    assert len({e.headers["List-Unsubscribe"] for e in emails}) == count
    assert AlertDigest.objects.count() == count
    deliver_outbox()
    assert len(mail.outbox) == count
