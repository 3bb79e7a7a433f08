"""Properties of the engine over generated profiles and offers (hypothesis, unsaved objects, no database)."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.models import PublicationStatus
from funding.matching import failed_filter, rank
from tests.funding.engine import NEEDS, NOW, STAGES, TODAY, candidate, profile

KEYS = ["COM-23077", "ZONE-millevaches", "EPCI-200044014", "DEP-23", "REG-75", "FR", "DEP-19", "COM-23090"]
LEGAL_FORMS = ["association", "scop", "collectif-non-constitue"]
DAYS = st.one_of(st.none(), st.integers(-30, 30).map(lambda n: TODAY + datetime.timedelta(days=n)))
AMOUNTS = st.one_of(st.none(), st.sampled_from([1000, 5000, 20_000, 100_000]))
AGES = st.one_of(st.none(), st.integers(0, 6))


@st.composite
def candidates(draw):
    ids = draw(st.lists(st.integers(1, 10_000), min_size=0, max_size=25, unique=True))
    made = []
    for pk in ids:
        made.append(
            candidate(
                id=pk,
                coverage=draw(st.sets(st.sampled_from(KEYS), max_size=3)),
                stages=draw(st.sets(st.sampled_from(list(STAGES)), min_size=1, max_size=3)),
                needs=draw(st.sets(st.sampled_from(list(NEEDS)), max_size=3)),
                legal_forms=draw(st.sets(st.sampled_from(LEGAL_FORMS), max_size=2)),
                status=draw(st.sampled_from([PublicationStatus.PUBLISHED] * 3 + [PublicationStatus.DRAFT])),
                structure_name=draw(st.sampled_from(["Alpha", "beta", "Gamma"])),
                title=draw(st.sampled_from(["Prêt", "Accueil", "Atelier"])),
                support_level=draw(st.integers(1, 3)),
                last_verified_at=draw(
                    st.one_of(st.none(), st.integers(0, 3).map(lambda n: NOW - datetime.timedelta(days=100 * n)))
                ),
                opens_on=draw(DAYS),
                closes_on=draw(DAYS),
                amount_min=draw(st.one_of(st.none(), st.sampled_from([1000, 10_000]))),
                amount_max=draw(st.one_of(st.none(), st.sampled_from([20_000, 50_000]))),
                min_structure_age=draw(st.one_of(st.none(), st.integers(0, 3))),
                max_structure_age=draw(st.one_of(st.none(), st.integers(2, 5))),
                esus_required=draw(st.booleans()),
            )
        )
    return made


@st.composite
def profiles(draw, needs=None):
    return profile(
        stage=draw(st.sampled_from(list(STAGES))),
        needs=needs if needs is not None else draw(st.lists(st.sampled_from(list(NEEDS)), unique=True, max_size=3)),
        legal_form=draw(st.one_of(st.none(), st.sampled_from(LEGAL_FORMS))),
        amount=draw(AMOUNTS),
        structure_age=draw(AGES),
        esus=draw(st.one_of(st.none(), st.booleans())),
    )


@settings(max_examples=200, deadline=None)
@given(candidates(), profiles())
def test_no_result_fails_a_hard_filter_and_every_passing_offer_is_a_result(offers, holder):
    matches = rank(offers, holder, today=TODAY)
    assert all(failed_filter(c, holder, TODAY) is None for c in offers if c.offer in {m.offer for m in matches})
    assert {m.offer.pk for m in matches} == {c.offer.pk for c in offers if failed_filter(c, holder, TODAY) is None}
    assert [m.rank for m in matches] == list(range(1, len(matches) + 1))


@settings(max_examples=200, deadline=None)
@given(candidates(), profiles(), st.sampled_from(list(NEEDS)))
def test_adding_a_need_never_removes_a_match(offers, holder, extra_need):
    before = {m.offer.pk for m in rank(offers, holder, today=TODAY)}
    wider = profile(
        stage=holder.stage.slug,
        needs=list(dict.fromkeys([*holder.need_slugs, extra_need])),
        legal_form=holder.legal_form,
        amount=holder.amount,
        structure_age=holder.structure_age,
        esus=holder.esus,
    )
    after = {m.offer.pk for m in rank(offers, wider, today=TODAY)}
    assert before <= after


@settings(max_examples=200, deadline=None)
@given(candidates(), profiles(), st.randoms(use_true_random=False))
def test_the_order_does_not_depend_on_the_input_order(offers, holder, random):
    first = [m.offer.pk for m in rank(offers, holder, today=TODAY)]
    shuffled = list(offers)
    random.shuffle(shuffled)
    assert [m.offer.pk for m in rank(shuffled, holder, today=TODAY)] == first
    assert [m.offer.pk for m in rank(offers, holder, today=TODAY)] == first


@settings(max_examples=100, deadline=None)
@given(candidates(), profiles())
def test_results_are_sorted_by_needs_met_then_narrowness(offers, holder):
    matches = rank(offers, holder, today=TODAY)
    keys = [(-len(m.needs_met), m.territory.narrowness) for m in matches]
    assert keys == sorted(keys)
