"""curation.quality_sql scores in the database exactly as curation.quality does in Python, entry for entry."""

import dataclasses
import datetime
import random
import sys

import pytest
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy

from curation.models import LinkCheck, LinkOutcome
from curation.quality import RULES, WHITESPACE, Check, Criterion, Filled
from curation.quality_sql import EpochMicroseconds, offer_score, structure_score
from curation.selectors import quality_ranking, scored, with_quality_facts
from directory.models import Instrument, LegalForm, Offer, PublicationStatus, Structure
from tests.factories import OfferFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, 0, 250_000, tzinfo=datetime.UTC)
# Scored at these moments too: Paris is already on the 21st at the second one (a call closing on the 20th is
# closed), and the third one moves every age through the freshness window.
NOWS = [NOW, NOW + datetime.timedelta(hours=23, minutes=30), NOW + datetime.timedelta(days=100, microseconds=7)]

BLANKS = [" ", "\t\n", "\xa0", "\u3000", "\u2028 ", "\x1c", "\r\n\u2003"]
FILLED = ["x", "  texte  ", "\xa0a\u3000", "é"]


def verified(days: float, microseconds: int = 0) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days, microseconds=microseconds)


AGES = [
    None,
    NOW + datetime.timedelta(days=1),
    NOW,
    verified(183),  # the end of full freshness
    verified(183, 1),
    verified(183, -1),
    verified(190, 123_457),
    verified(274),  # half-way: 12.5 points, a tie the rounding must break alike
    verified(274, 1),
    verified(274, -1),
    verified(300, 999_999),
    verified(364, 999_999),
    verified(365),  # stale: no freshness left
    verified(365, -1),
    verified(800),
]

COMPLETE_STRUCTURE = {
    "description": "Accompagne les projets coopératifs.",
    "email": "contact@complete.example",
    "phone": "05 55 00 00 00",
    "website": "https://complete.example/",
    "address": "1 place du Marché",
    "latitude": 45.95,
    "longitude": 2.17,
    "opening_hours": "9h-17h",
    "accessibility": "Plain-pied",
    "last_verified_at": verified(10),
}
COMPLETE_OFFER = {
    "description": "Un accompagnement.",
    "how_to_access": "Sur rendez-vous.",
    "url": "https://offre.example/",
    "email": "",
    "last_verified_at": verified(10),
}
LINKS = [None, "broken", "replaced", "ignored", "once", "ok"]


def add_link(kind, url, **owner):
    """A check of the entry's address: broken, of a former address, ignored, failed once, or fine."""
    values = {
        "url": "https://ancienne-adresse.example/" if kind == "replaced" else url,
        "outcome": LinkOutcome.HTTP_STATUS,
        "status_code": 404,
        "checked_at": NOW,
        "consecutive_failures": 1 if kind == "once" else 2,
        "failing_since": NOW - datetime.timedelta(days=3),
        "ignored_at": NOW if kind == "ignored" else None,
    }
    if kind == "ok":
        values.update(outcome=LinkOutcome.OK, status_code=200, consecutive_failures=0, failing_since=None)
    LinkCheck.objects.create(**owner, **values)


def make_structure(*, link=None, published_offer=True, **changes):
    structure = StructureFactory(**{**COMPLETE_STRUCTURE, "legal_form": LegalForm.objects.first(), **changes})
    if published_offer is not None:
        status = PublicationStatus.PUBLISHED if published_offer else PublicationStatus.DRAFT
        OfferFactory(structure=structure, status=status)
    if link:
        add_link(link, structure.website, structure=structure)
    return structure


def make_offer(*, link=None, stages=True, needs=True, coverage=True, **changes):
    offer = OfferFactory(**{**COMPLETE_OFFER, "needs": ["financement"] if needs else None, **changes})
    if not stages:
        offer.stages.clear()
    if not coverage:
        offer.coverage.clear()
    if link:
        add_link(link, offer.url, offer=offer)
    return offer


def assert_sql_scores_equal_python_scores(model, expected_entries: int):
    for now in NOWS:
        score = structure_score(now) if model is Structure else offer_score(now)
        entries = with_quality_facts(model.objects.all()).annotate(sql_score=score)
        rows = scored(entries, now=now)
        assert len(rows) == expected_entries
        different = [
            (row.entry.pk, row.entry.sql_score, row.quality.score)
            for row in rows
            if row.entry.sql_score != row.quality.score
        ]
        assert different == []


def test_whitespace_is_every_character_str_strip_removes():
    assert sorted(WHITESPACE) == [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]


def test_every_structure_criterion_scores_alike():
    make_structure()
    for field in ["description", "phone", "website", "address", "opening_hours", "accessibility"]:
        for value in ["", *BLANKS, *FILLED]:
            make_structure(**{field: value})
    make_structure(email="", phone="")
    for phone in BLANKS:
        make_structure(email="", phone=phone)
    make_structure(email="", phone=" 05 ")
    make_structure(latitude=None, longitude=None)
    make_structure(longitude=None)
    make_structure(legal_form=None)
    make_structure(published_offer=False)
    make_structure(published_offer=None)
    for age in AGES:
        make_structure(last_verified_at=age)
        make_structure(last_verified_at=age, description="", link="broken")
    for link in LINKS:
        make_structure(link=link)
    make_structure(website="", link="broken")  # a check without an address to check
    assert_sql_scores_equal_python_scores(Structure, Structure.objects.count())


def test_every_offer_criterion_scores_alike():
    make_offer()
    for field in ["description", "how_to_access"]:
        for value in ["", *BLANKS, *FILLED]:
            make_offer(**{field: value})
    make_offer(url="", email="")
    make_offer(url="", email="offre@exemple.org")
    make_offer(stages=False)
    make_offer(needs=False)
    make_offer(coverage=False)
    instrument = Instrument.objects.first()
    for funding in [
        {},
        {"instrument": instrument},
        {"amount_min": 1000},
        {"amount_max": 8000},
        {"instrument": instrument, "amount_min": 1000, "amount_max": 8000},
    ]:
        make_offer(offer_type="financement", **funding)
    today = datetime.date(2026, 11, 20)
    day = datetime.timedelta(days=1)
    for dates in [
        {"opens_on": today - 30 * day},
        {"closes_on": today + 30 * day},
        {"opens_on": today - 30 * day, "closes_on": today - day},
        {"opens_on": today - 30 * day, "closes_on": today},
        {"opens_on": today - 30 * day, "closes_on": today + day},
    ]:
        make_offer(**dates)
        make_offer(offer_type="financement", instrument=instrument, **dates)
    for age in AGES:
        make_offer(last_verified_at=age)
        make_offer(last_verified_at=age, offer_type="financement", how_to_access="", link="broken")
    for link in LINKS:
        make_offer(link=link)
    make_offer(url="", email="offre@exemple.org", link="broken")
    assert_sql_scores_equal_python_scores(Offer, Offer.objects.count())


def test_random_entries_score_alike():
    rng = random.Random(2026)
    text = lambda: rng.choice(["", *BLANKS, *FILLED])  # noqa: E731
    instrument = Instrument.objects.first()
    for _index in range(60):
        age = None if rng.random() < 0.1 else verified(rng.uniform(0, 500), rng.randrange(1_000_000))
        make_structure(
            description=text(),
            email=rng.choice(["", "a@exemple.org"]),
            phone=text(),
            website=rng.choice(["", "https://site.example/"]),
            address=text(),
            longitude=rng.choice([None, 2.17]),
            legal_form=rng.choice([None, LegalForm.objects.first()]),
            opening_hours=text(),
            accessibility=text(),
            last_verified_at=age,
            link=rng.choice(LINKS),
            published_offer=rng.choice([True, False, None]),
        )
        funding = rng.random() < 0.5
        opens_on = rng.choice([None, datetime.date(2026, 9, 1)])
        make_offer(
            description=text(),
            how_to_access=text(),
            url=rng.choice(["", "https://offre.example/"]),
            email=rng.choice(["", "offre@exemple.org"]),
            offer_type="financement" if funding else rng.choice(["accompagnement", "lieu", "formation"]),
            instrument=instrument if funding and rng.random() < 0.5 else None,
            amount_min=rng.choice([None, 1000]) if funding else None,
            opens_on=opens_on,
            closes_on=rng.choice([None, datetime.date(2026, 11, rng.randint(1, 30))]),
            last_verified_at=age,
            stages=rng.random() < 0.8,
            needs=rng.random() < 0.8,
            coverage=rng.random() < 0.8,
            link=rng.choice(LINKS),
        )
    assert_sql_scores_equal_python_scores(Structure, Structure.objects.count())
    assert_sql_scores_equal_python_scores(Offer, Offer.objects.count())


def test_a_criterion_declared_once_moves_both_scores(monkeypatch):
    """Adding a criterion is one edit to quality.RULES: the Python score and the SQL one both follow it."""
    rules = RULES[Structure]
    phone = Criterion("phone", 20, Check(Filled("phone"), gettext_lazy("Indiquez le téléphone"), "phone"))
    monkeypatch.setitem(RULES, Structure, dataclasses.replace(rules, criteria=(*rules.criteria, phone)))
    without_phone = make_structure(phone="")
    make_structure()
    assert_sql_scores_equal_python_scores(Structure, 2)
    quality = next(
        row.quality
        for row in scored(with_quality_facts(Structure.objects.all()), now=NOW)
        if row.entry == without_phone
    )
    assert quality.score == 85  # 60 × 60/80 + 25 + 15
    assert [(fix.message, fix.points, fix.field) for fix in quality.fixes] == [("Indiquez le téléphone", 15, "phone")]


def test_epoch_microseconds_reads_every_stored_precision():
    plain = StructureFactory(last_verified_at=datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC))
    fine = StructureFactory(last_verified_at=datetime.datetime(2026, 3, 1, 8, 30, 0, 5, tzinfo=datetime.UTC))
    written_by_the_database = StructureFactory()
    Structure.objects.filter(pk=written_by_the_database.pk).update(last_verified_at=Now())
    never = StructureFactory(last_verified_at=None)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    for structure in [plain, fine, written_by_the_database, never]:
        structure.refresh_from_db()
        row = Structure.objects.annotate(us=EpochMicroseconds("last_verified_at")).get(pk=structure.pk)
        if structure.last_verified_at is None:
            assert row.us is None
        else:
            assert row.us == (structure.last_verified_at - epoch) // datetime.timedelta(microseconds=1)


def test_the_ranking_follows_the_python_scores():
    rng = random.Random(7)
    for index in range(25):
        make_structure(
            name=f"Structure {index:02d}",
            description=rng.choice(["", "x"]),
            website=rng.choice(["", "https://site.example/"]),
            last_verified_at=verified(rng.uniform(0, 500)),
            link=rng.choice(LINKS),
        )
    superuser = UserFactory(is_superuser=True)
    rows = scored(with_quality_facts(Structure.objects.all()), now=NOW)
    python = {row.entry.pk: row.quality.score for row in rows}
    names = {row.entry.pk: row.entry.name for row in rows}

    def ranking(**options):
        return [(pk, score) for pk, score, _name in quality_ranking(superuser, now=NOW, **options)]

    assert ranking() == sorted(python.items(), key=lambda item: (item[1], names[item[0]], item[0]))
    assert ranking(sort="-score") == sorted(python.items(), key=lambda item: (-item[1], names[item[0]], item[0]))
    assert ranking(sort="autre") == ranking()
    assert ranking(sort="nom") == sorted(python.items(), key=lambda item: names[item[0]])
    assert ranking(below=80) == [(pk, score) for pk, score in ranking() if score < 80]
    assert 0 < len(ranking(below=80)) < len(python)


def test_ties_come_by_name_without_case_on_every_database():
    for name in ["bravo", "Écluse", "Alpha", "charlie"]:
        make_structure(name=name)
    superuser = UserFactory(is_superuser=True)
    names = [name for _pk, _score, name in quality_ranking(superuser, now=NOW)]
    assert names == ["Alpha", "bravo", "charlie", "Écluse"]  # str.lower(), then code points
    assert [name for _pk, _score, name in quality_ranking(superuser, sort="nom", now=NOW)] == names
