"""Sector keywords and the free-text sector: a reason when an offer's text mentions them, never a filter or a
rank. Unsaved objects, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funding.matching import rank
from funding.sectors import SECTORS, fold, free_text_words, sector_terms
from tests.funding.engine import TODAY, candidate, profile
from tests.funding.test_matching_properties import candidates, profiles

SECTOR_SLUGS = [sector.slug for sector in SECTORS]


def reasons_by_title(matches):
    return {match.offer.title: match.reasons for match in matches}


def test_fold_drops_case_accents_and_punctuation():
    assert fold("Épicerie  SOLIDAIRE, maraîchage !") == " epicerie solidaire maraichage "


def test_a_keyword_is_found_at_the_start_of_a_word_whatever_the_case_or_accents():
    terms = sector_terms(("alimentation",), "")
    assert terms.mentioned_in("Soutien aux ÉPICERIES solidaires") == ["alimentation et agriculture"]
    assert terms.mentioned_in("Un projet agricole") == ["alimentation et agriculture"]
    # Inside a word is not a mention: « ferme » is not « fermeture », « art » is not « partenaire ».
    assert terms.mentioned_in("Fermeture estivale") == []
    assert sector_terms(("culture",), "").mentioned_in("Nos partenaires") == []
    assert sector_terms(("culture",), "").mentioned_in("Lieu des arts et du spectacle vivant") == ["arts et culture"]


def test_free_text_words_skip_short_and_common_words_and_keep_the_holder_spelling():
    assert free_text_words("Un projet de crèches pour les jeunes") == ["crèches", "jeunes"]
    assert free_text_words("bio, bio et BIO") == ["bio", "BIO"]
    terms = sector_terms((), "Crèches parentales")
    # A plural finds the singular, and the label is the holder's word.
    assert terms.mentioned_in("Ouvrir une crèche associative") == ["crèches"]


def test_a_free_text_word_already_covered_by_a_keyword_is_not_said_twice():
    terms = sector_terms(("alimentation",), "épicerie")
    assert terms.mentioned_in("Épicerie solidaire") == ["alimentation et agriculture"]


def test_the_sector_is_a_reason_and_neither_a_filter_nor_a_rank():
    general = candidate(title="Accompagnement à la création", coverage=["COM-23077"])
    food = candidate(
        title="Prêt d'honneur", description="Pour les épiceries et les fermes du plateau", coverage=["DEP-23"]
    )
    by_structure = candidate(title="Conseil", structure_name="Réseau des paysans boulangers", coverage=["FR"])
    offers = [general, food, by_structure]
    plain = rank(offers, profile(), today=TODAY)
    with_sector = rank(offers, profile(keywords=("alimentation",), sector="boulanger"), today=TODAY)
    assert [m.offer.title for m in with_sector] == [m.offer.title for m in plain]
    reasons = reasons_by_title(with_sector)
    assert reasons["Prêt d'honneur"][-1] == "Mentionne votre secteur : alimentation et agriculture"
    assert reasons["Conseil"][-1] == "Mentionne votre secteur : alimentation et agriculture, boulanger"
    assert not any(reason.startswith("Mentionne") for reason in reasons["Accompagnement à la création"])
    assert reasons_by_title(plain)["Prêt d'honneur"] == reasons["Prêt d'honneur"][:-1]


@given(candidates(), profiles(), st.lists(st.sampled_from(SECTOR_SLUGS), unique=True, max_size=3), st.text(max_size=30))
def test_a_sector_never_changes_which_offers_match_nor_their_order(offers, holder, keywords, free_text):
    from dataclasses import replace

    plain = rank(offers, holder, today=TODAY)
    with_sector = rank(offers, replace(holder, keywords=tuple(keywords), sector=free_text), today=TODAY)
    assert [m.offer.pk for m in with_sector] == [m.offer.pk for m in plain]
    for before, after in zip(plain, with_sector, strict=True):
        assert after.reasons[: len(before.reasons)] == before.reasons
        assert len(after.reasons) - len(before.reasons) in (0, 1)


@pytest.mark.parametrize("slug", SECTOR_SLUGS)
def test_every_keyword_finds_its_own_label(slug):
    sector = next(each for each in SECTORS if each.slug == slug)
    assert sector_terms((slug,), "").mentioned_in(str(sector.label)) == [str(sector.label).lower()]
