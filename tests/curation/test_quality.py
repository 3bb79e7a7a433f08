"""The quality score (curation/quality.py) on unsaved entries: every criterion moves it, freshness decays on time."""

import datetime

import pytest
import time_machine

from curation.models import LinkCheck, LinkOutcome
from curation.quality import offer_quality, structure_quality
from directory.models import Offer, OfferType, Structure

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def complete_structure(**changes) -> Structure:
    values = {
        "name": "Fabrique solidaire",
        "description": "Accompagne les projets coopératifs de la Creuse.",
        "website": "https://fabrique.example/",
        "email": "contact@fabrique.example",
        "phone": "05 55 00 00 00",
        "address": "1 place du Marché",
        "commune_id": 1,
        "latitude": 45.95,
        "longitude": 2.17,
        "legal_form_id": 1,
        "opening_hours": "Du lundi au vendredi, 9h-17h",
        "accessibility": "Plain-pied, arrêt de bus à 50 m",
        "last_verified_at": NOW - datetime.timedelta(days=10),
    }
    values.update(changes)
    return Structure(**values)


def complete_offer(**changes) -> Offer:
    values = {
        "title": "Accompagnement à la création",
        "offer_type": OfferType.ACCOMPANIMENT,
        "description": "Six mois d'accompagnement collectif.",
        "how_to_access": "Prendre rendez-vous par courriel.",
        "url": "https://fabrique.example/creation",
        "email": "",
        "last_verified_at": NOW - datetime.timedelta(days=10),
    }
    values.update(changes)
    return Offer(**values)


def score_structure(structure=None, *, has_published_offer=True, link=None):
    return structure_quality(
        structure or complete_structure(), has_published_offer=has_published_offer, link=link, now=NOW
    )


OFFER_FACTS = {"has_stages": True, "has_needs": True, "has_coverage": True}


def score_offer(offer=None, *, link=None, **facts):
    return offer_quality(offer or complete_offer(), **{**OFFER_FACTS, **facts}, link=link, now=NOW)


def messages(quality):
    return [fix.message for fix in quality.fixes]


def broken_check(url, failures=2, **fields):
    values = {
        "url": url,
        "outcome": LinkOutcome.HTTP_STATUS,
        "status_code": 404,
        "checked_at": NOW - datetime.timedelta(days=1),
        "failing_since": datetime.datetime(2026, 11, 3, 3, 0, tzinfo=datetime.UTC),
        "consecutive_failures": failures,
    }
    values.update(fields)
    return LinkCheck(**values)


def test_a_complete_fresh_structure_with_a_working_site_scores_100_with_nothing_to_fix():
    quality = score_structure()
    assert (quality.score, quality.fixes, quality.level) == (100, (), "good")


# (change, expected loss, expected fix): each criterion alone, with its weight out of the 60 of completeness.
STRUCTURE_CRITERIA = [
    ({"description": "  "}, 12, "Ajoutez une présentation de la structure"),
    ({"email": "", "phone": ""}, 10, "Indiquez un courriel ou un téléphone de contact"),
    ({"website": ""}, 6, "Indiquez le site web"),
    ({"latitude": None, "longitude": None}, 6, "Placez la structure sur la carte"),
    ({"address": ""}, 5, "Indiquez l'adresse"),
    ({"legal_form_id": None}, 4, "Indiquez la forme juridique"),
    ({"opening_hours": ""}, 4, "Indiquez les horaires d'ouverture"),
    ({"accessibility": ""}, 3, "Décrivez l'accessibilité"),
]


@pytest.mark.parametrize(("change", "loss", "fix"), STRUCTURE_CRITERIA)
def test_every_structure_criterion_moves_the_score_and_says_what_to_fix(change, loss, fix):
    quality = score_structure(complete_structure(**change))
    assert quality.score == 100 - loss
    assert len(quality.fixes) == 1 and quality.fixes[0].message.startswith(fix)
    assert quality.fixes[0].points == loss


def test_email_or_phone_is_enough():
    assert score_structure(complete_structure(email="")).score == 100
    assert score_structure(complete_structure(phone="")).score == 100


def test_a_structure_without_a_published_offer_loses_10():
    quality = score_structure(has_published_offer=False)
    assert quality.score == 90 and messages(quality)[0].startswith("Publiez au moins une offre")


def test_fixes_come_biggest_gain_first():
    quality = score_structure(complete_structure(accessibility="", description="", website=""))
    assert [fix.points for fix in quality.fixes] == [12, 6, 3]
    assert quality.score == 100 - 21 and quality.level == "fair"  # below 80
    assert [fix.field for fix in quality.fixes] == ["description", "website", "accessibility"]


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [
        (0, 100),
        (183, 100),  # full freshness up to six months
        (184, 100),  # a day later: 25 × 181/182 = 24.86, rounded
        (190, 99),
        (274, 88),  # half-way: 12.5 of the 25 points
        (364, 75),  # 0.14 of a point left
        (365, 75),  # twelve months: the entry is « à vérifier », no freshness left
        (800, 75),
    ],
)
def test_freshness_decays_from_six_to_twelve_months_on_a_frozen_clock(age_days, expected):
    structure = complete_structure(last_verified_at=NOW - datetime.timedelta(days=age_days))
    with time_machine.travel(NOW, tick=False):
        quality = structure_quality(structure, has_published_offer=True)  # `now` from the (frozen) clock
    assert quality.score == expected
    stale = [m for m in messages(quality) if m.startswith("Informations non vérifiées")]
    assert bool(stale) == (age_days > 183)


def test_freshness_message_counts_whole_months_and_never_verified_gets_no_freshness():
    quality = score_structure(complete_structure(last_verified_at=datetime.datetime(2025, 9, 3, tzinfo=datetime.UTC)))
    assert quality.score == 75
    assert messages(quality) == [
        "Informations non vérifiées depuis 14 mois : relisez-les et confirmez qu'elles sont à jour"
    ]
    assert quality.fixes[0].points == 25
    never = score_structure(complete_structure(last_verified_at=None))
    assert never.score == 75 and messages(never)[0].startswith("Informations jamais vérifiées")


def test_a_broken_website_costs_15_and_says_since_when():
    quality = score_structure(link=broken_check("https://fabrique.example/"))
    assert quality.score == 85
    assert messages(quality) == ["Le site web ne répond plus (erreur 404 depuis le 3 novembre)"]
    timeout = broken_check(
        "https://fabrique.example/",
        outcome=LinkOutcome.TIMEOUT,
        status_code=None,
        failing_since=datetime.datetime(2025, 12, 24, tzinfo=datetime.UTC),
    )
    assert messages(score_structure(link=timeout)) == [
        "Le site web ne répond plus (délai de réponse dépassé depuis le 24 décembre 2025)"
    ]


@pytest.mark.parametrize(
    "link",
    [
        broken_check("https://fabrique.example/", failures=1),  # one failure may be transient
        broken_check("https://ancienne-adresse.example/"),  # about an address since replaced
        broken_check("https://fabrique.example/", ignored_at=NOW),  # a curator looked and decided
        broken_check("https://fabrique.example/", failures=0, outcome=LinkOutcome.OK, status_code=200),
    ],
)
def test_only_a_broken_current_not_ignored_link_costs_points(link):
    assert score_structure(link=link).score == 100


def test_a_complete_offer_scores_100():
    assert score_offer().score == 100 and score_offer().fixes == ()


# Of an offer that is neither funding nor a call, the criteria weigh 54: each is scaled to 60.
OFFER_CRITERIA = [
    ({"description": ""}, {}, 13, "Ajoutez une description de l'offre"),
    ({"how_to_access": ""}, {}, 11, "Expliquez comment accéder à l'offre"),
    ({"url": "", "email": ""}, {}, 11, "Indiquez une page web ou un courriel de contact"),
    ({}, {"has_needs": False}, 9, "Indiquez à quels besoins l'offre répond"),
    ({}, {"has_coverage": False}, 9, "Indiquez les territoires couverts"),
    ({}, {"has_stages": False}, 7, "Indiquez à quelles étapes du projet"),
]


@pytest.mark.parametrize(("change", "facts", "loss", "fix"), OFFER_CRITERIA)
def test_every_offer_criterion_moves_the_score(change, facts, loss, fix):
    quality = score_offer(complete_offer(**change), **facts)
    assert quality.score == 100 - loss
    assert len(quality.fixes) == 1 and quality.fixes[0].message.startswith(fix)


def test_an_email_is_as_good_as_a_page_to_reach_an_offer():
    assert score_offer(complete_offer(url="", email="accueil@fabrique.example")).score == 100


def test_funding_offers_need_an_instrument_and_an_amount():
    funding = complete_offer(offer_type=OfferType.FUNDING, instrument_id=1, amount_max=8000)
    assert score_offer(funding).score == 100
    # 62 points apply to a funding offer: each of these weighs 4/62 of 60.
    no_instrument = score_offer(complete_offer(offer_type=OfferType.FUNDING, amount_min=1000))
    assert no_instrument.score == 96 and messages(no_instrument)[0].startswith("Précisez l'outil de financement")
    no_amount = score_offer(complete_offer(offer_type=OfferType.FUNDING, instrument_id=1))
    assert no_amount.score == 96 and messages(no_amount)[0].startswith("Indiquez le montant")
    # Not asked of other offers.
    assert score_offer(complete_offer(offer_type=OfferType.TRAINING)).score == 100


def test_calls_for_projects_need_both_dates_and_to_be_open():
    open_call = complete_offer(opens_on=datetime.date(2026, 9, 1), closes_on=datetime.date(2027, 1, 15))
    assert score_offer(open_call).score == 100
    no_opening = score_offer(complete_offer(closes_on=datetime.date(2027, 1, 15)))
    assert no_opening.score == 94 and messages(no_opening) == ["Indiquez la date d'ouverture de l'appel"]
    no_closing = score_offer(complete_offer(opens_on=datetime.date(2026, 9, 1)))
    assert no_closing.score == 94 and messages(no_closing) == ["Indiquez la date de clôture de l'appel"]
    closed = score_offer(complete_offer(opens_on=datetime.date(2026, 9, 1), closes_on=datetime.date(2026, 11, 3)))
    assert closed.score == 94
    assert messages(closed) == [
        "L'appel est clos depuis le 3 novembre : indiquez les dates de la prochaine session ou archivez l'offre"
    ]


def test_a_broken_offer_page_and_an_old_offer_add_up():
    offer = complete_offer(last_verified_at=NOW - datetime.timedelta(days=400))
    quality = score_offer(offer, link=broken_check(offer.url, status_code=500))
    assert quality.score == 60 and quality.level == "fair"
    assert messages(quality) == [
        "Informations non vérifiées depuis 13 mois : relisez-les et confirmez qu'elles sont à jour",
        "La page de l'offre ne répond plus (erreur 500 depuis le 3 novembre)",
    ]


def test_an_empty_entry_is_poor():
    empty = Structure(name="Vide", commune_id=1)
    quality = structure_quality(empty, has_published_offer=False, now=NOW)
    assert quality.score == 15 and quality.level == "poor" and len(quality.fixes) == 10
