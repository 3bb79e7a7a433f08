"""The database ranks as the engine does, and the match entries follow every write (SQLite and PostgreSQL)."""

import datetime
import random
from dataclasses import replace

import pytest
from django.db import connection
from django.utils import timezone

from curation.services.duplicates import structure_merge
from directory.models import LegalForm, Offer, Permanence, PublicationStatus, Structure, Territory
from funding import selectors
from funding.matching import HARD_FILTERS, RANKING, Candidate, Place, rank, tie_text
from funding.models import MatchEntry
from support_chain.models import Need, Stage
from tests.factories import OfferFactory, StructureFactory, UserFactory
from tests.funding.conftest import LEVELS

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 1, 10)
NOW = timezone.make_aware(datetime.datetime(2027, 1, 10, 12))
# Names that sort differently under a locale, case-folding or accent-folding: ties must still agree.
NAMES = ["alpha", "Alpha", "ALPHA", "École des possibles", "ecole", "Zèbre", "zebre", "Œuvre", "Beta", "beta 2"]
TITLES = ["Accompagnement", "accompagnement", "Émergence", "Prêt", "prêt", "Atelier"]
VERIFIED = [None, NOW, NOW, NOW - datetime.timedelta(days=30), NOW - datetime.timedelta(days=400)]


def reference_places(offer) -> tuple[Place, ...]:
    """The offer's structure, then the published third places where its structure holds a permanence for it."""
    structure = offer.structure
    places = [Place(structure.latitude, structure.longitude, structure.name)]
    for permanence in Permanence.objects.filter(host=structure).select_related("place").order_by("pk"):
        if permanence.offer_id in (None, offer.pk) and permanence.place.status == PublicationStatus.PUBLISHED:
            places.append(
                Place(permanence.place.latitude, permanence.place.longitude, permanence.place.name, permanence)
            )
    return tuple(places)


def reference_candidates() -> list[Candidate]:
    """Every offer of the database as the engine reads it, built the slow and obvious way."""
    return [
        Candidate(
            offer=offer,
            coverage_keys=frozenset(territory.key for territory in offer.coverage.all()),
            stage_slugs=frozenset(stage.slug for stage in offer.stages.all()),
            need_slugs=frozenset(need.slug for need in offer.needs.all()),
            legal_form_slugs=frozenset(form.slug for form in offer.eligible_legal_forms.all()),
            places=reference_places(offer),
        )
        for offer in Offer.objects.select_related("structure", "instrument").prefetch_related(
            "coverage", "stages", "needs", "eligible_legal_forms"
        )
    ]


@pytest.fixture
def tangled_directory():
    """Seventy offers around Faux-la-Montagne with every filter and many ties (same scores, same names), their
    structures near it (within the radius), far from it or without coordinates, and permanences bringing some near."""
    rng = random.Random(7)
    faux = Territory.objects.get(key="COM-23077")
    # North of Faux-la-Montagne's point by 5, 25, 45, 120 km (0.009° of latitude ≈ 1 km), or « lieu inconnu ».
    offsets = [0.045, 0.225, 0.405, 1.08, None]

    def located(offset):
        if offset is None:
            return {}
        return {"latitude": faux.latitude + offset, "longitude": faux.longitude}

    structures = [StructureFactory(name=name, siret=None, **located(rng.choice(offsets))) for name in NAMES]
    structures.append(StructureFactory(name="Brouillon", siret=None, status=PublicationStatus.DRAFT))
    third_places = [
        StructureFactory(name="Tiers-lieu proche", siret=None, role_third_place=True, **located(0.09)),
        StructureFactory(name="Tiers-lieu brouillon", siret=None, role_third_place=True, **located(0.02)),
    ]
    third_places[1].status = PublicationStatus.DRAFT
    third_places[1].save()
    stages = ["emergence", "amorcage", "creation"]
    needs = ["financement", "statut-juridique", "local-foncier", "mise-en-reseau"]
    for index in range(70):
        funding = rng.random() < 0.4
        amount_min = rng.choice([None, 1000, 5000]) if funding else None
        OfferFactory(
            structure=rng.choice(structures),
            ref=rng.choice(["a", "B", "c", "É"]) + str(index),
            title=rng.choice(TITLES),
            offer_type=rng.choice(["financement", "lieu", "accompagnement", "information"]),
            support_level=rng.choice([1, 2, 3]),
            last_verified_at=rng.choice(VERIFIED),
            status=PublicationStatus.PUBLISHED if rng.random() < 0.9 else PublicationStatus.DRAFT,
            amount_min=amount_min,
            amount_max=amount_min * 10 if amount_min else None,
            min_structure_age=rng.choice([None, None, 2]),
            max_structure_age=rng.choice([None, None, 5]),
            esus_required=rng.random() < 0.2,
            closes_on=rng.choice([None, None, datetime.date(2026, 12, 1), datetime.date(2027, 3, 15)]),
            opens_on=rng.choice([None, None, datetime.date(2027, 2, 1)]),
            coverage=rng.sample([*LEVELS[:1], *LEVELS[2:], "DEP-19"], rng.randint(1, 2)),
            stages=rng.sample(stages, rng.randint(1, 2)),
            needs=rng.sample(needs, rng.randint(0, 3)),
            eligible_legal_forms=rng.choice([[], [], ["scop"], ["association", "collectif-non-constitue"]]),
            mode_presentiel=rng.random() < 0.7,
            mode_distance=rng.random() < 0.5,
        )
    far_structures = [s for s in structures[:-1] if s.latitude is None or s.latitude > faux.latitude + 0.3]
    for index, structure in enumerate(far_structures[:4]):
        offer = structure.offers.order_by("pk").first() if index % 2 else None
        Permanence.objects.create(
            place=third_places[index % 2], host=structure, offer=offer, schedule=f"le {index + 1}e mardi du mois"
        )


PROFILES = [
    {"stage": "emergence"},
    {"stage": "emergence", "needs": ["financement", "statut-juridique"]},
    {"stage": "amorcage", "needs": ["local-foncier"], "legal_form": "scop", "amount": 8000},
    {"stage": "creation", "legal_form": "collectif-non-constitue", "esus": False},
    {"stage": "emergence", "needs": ["mise-en-reseau", "financement"], "legal_form": "association", "structure_age": 3},
]


@pytest.mark.parametrize("values", PROFILES)
def test_the_database_ranks_as_the_engine_does(tangled_directory, values):
    profile = selectors.build_profile(
        commune=Territory.objects.get(key="COM-23077"),
        stage=Stage.objects.get(slug=values["stage"]),
        needs=list(Need.objects.filter(slug__in=values.get("needs", []))),
        legal_form=values.get("legal_form"),
        amount=values.get("amount"),
        structure_age=values.get("structure_age"),
        esus=values.get("esus"),
    )
    expected = rank(reference_candidates(), profile, today=TODAY)
    assert len(expected) >= 4, "the directory should give this profile something to rank"
    # The directory mixes offers reachable in person and remote ones, and the engine and the database agree on which.
    assert {m.offer.pk for m in expected if m.reachable} == profile.reachable_ids & {m.offer.pk for m in expected}
    assert 0 < sum(m.reachable for m in expected) < len(expected)
    found = selectors.match(profile, today=TODAY)
    assert [m.offer.pk for m in found] == [m.offer.pk for m in expected]
    assert [m.rank for m in found] == list(range(1, len(expected) + 1))
    assert [m.reasons for m in found] == [m.reasons for m in expected]
    # Pages and the preview agree with the whole list.
    ranked = selectors.RankedMatches(profile, today=TODAY)
    assert [m.offer.pk for m in ranked[3:7]] == [m.offer.pk for m in expected[3:7]]
    assert (ranked[0].offer.pk, ranked[-1].offer.pk) == (expected[0].offer.pk, expected[-1].offer.pk)
    first, totals = selectors.match_preview(profile, today=TODAY, per_rubric=2)
    assert sum(totals.values()) == len(expected)
    for rubric, matches in first.items():
        in_rubric = selectors.RankedMatches(profile, today=TODAY, rubric=rubric)
        assert [(m.offer.pk, m.rank) for m in matches] == [(m.offer.pk, m.rank) for m in in_rubric[:2]]


def test_the_database_orders_by_the_engines_criteria_in_their_order():
    commune = Territory.objects.get(key="COM-23077")
    with_needs = selectors.build_profile(
        commune=commune, stage=Stage.objects.get(slug="emergence"), needs=[Need.objects.get(slug="financement")]
    )
    # Nothing is reachable in person from the commune in this empty directory: that criterion is left out.
    assert with_needs.reachable_ids == frozenset()
    assert selectors.order_by(with_needs)[0].count(", ") + 1 == len(RANKING) - 1
    with_needs = replace(with_needs, reachable_ids=frozenset({12, 5}))
    terms, params = selectors.order_by(with_needs)
    assert terms.count(", ") + 1 == len(RANKING) + 1  # one more comma: between the two ids
    assert terms.startswith(
        "CASE WHEN need_ids LIKE %s THEN 1 ELSE 0 END DESC, CASE WHEN offer_id IN (%s, %s) THEN 1 ELSE 0 END DESC, "
        "CASE territory_id "
    )
    assert params[1:3] == [5, 12]
    assert terms.endswith("offer_id") and "last_verified_at DESC NULLS LAST" in terms
    assert terms.count("%s") == len(params)
    # Without needs every offer meets none: the first criterion is left out.
    without = replace(with_needs, needs=())
    assert selectors.order_by(without)[0] == terms.split(", ", 1)[1]


@pytest.mark.parametrize(
    ("values", "applying"),
    [
        ({}, ["territory", "stage", "closed"]),
        ({"legal_form": "", "esus": True}, ["territory", "stage", "closed"]),
        # A collective not yet registered is 0 years old: the age filter applies.
        ({"legal_form": "collectif-non-constitue"}, ["territory", "stage", "legal_form", "closed", "structure_age"]),
        (
            {"legal_form": "scop", "amount": 8000, "structure_age": 3, "esus": False},
            ["territory", "stage", "legal_form", "closed", "amount", "structure_age", "esus"],
        ),
    ],
)
def test_the_database_filters_with_one_term_per_hard_filter_applying_to_the_profile(values, applying):
    profile = selectors.build_profile(
        commune=Territory.objects.get(key="COM-23077"), stage=Stage.objects.get(slug="emergence"), **values
    )
    terms = {f.name: f.where(profile, TODAY, connection.ops) for f in HARD_FILTERS if f.where is not None}
    assert [name for name, term in terms.items() if term is not None] == applying
    conditions, params = selectors.where(profile, today=TODAY)
    assert conditions == " AND ".join(terms[name][0] for name in applying)
    assert params == [value for name in applying for value in terms[name][1]]
    assert conditions.count("%s") == len(params)


def test_ties_on_names_compare_ascii_without_case_and_the_rest_by_code_point():
    assert sorted(["Zèbre", "alpha", "École", "Beta"], key=tie_text) == ["alpha", "Beta", "Zèbre", "École"]
    assert tie_text("ÉCOLE Alpha") == "École alpha"


# The entries follow every write --------------------------------------------------------------------------


def expected_entries() -> set:
    rows = set()
    for candidate in reference_candidates():
        offer = candidate.offer
        if offer.status != PublicationStatus.PUBLISHED or offer.structure.status != PublicationStatus.PUBLISHED:
            continue
        for territory in offer.coverage.all():
            for stage in offer.stages.all():
                rows.add(
                    (
                        offer.pk,
                        territory.pk,
                        stage.pk,
                        offer.offer_type,
                        offer.last_verified_at,
                        offer.closes_on,
                        offer.amount_max,
                        offer.esus_required,
                        frozenset(need.pk for need in offer.needs.all()),
                        frozenset(form.pk for form in offer.eligible_legal_forms.all()),
                        tie_text(offer.structure.name),
                        tie_text(offer.title),
                        offer.ref,
                    )
                )
    return rows


def stored_entries() -> set:
    def ids(text):
        return frozenset(int(value) for value in text.strip(",").split(",") if value)

    return {
        (
            entry.offer_id,
            entry.territory_id,
            entry.stage_id,
            entry.offer_type,
            entry.last_verified_at,
            entry.closes_on,
            entry.amount_max,
            entry.esus_required,
            ids(entry.need_ids),
            ids(entry.legal_form_ids),
            entry.structure_key,
            entry.title_key,
            entry.ref,
        )
        for entry in MatchEntry.objects.all()
    }


def assert_current():
    stored = stored_entries()
    assert stored == expected_entries()
    return stored


def test_entries_follow_every_write_to_offers_relations_and_structures():
    offer = OfferFactory(coverage=["DEP-23", "FR"], stages=["emergence", "amorcage"], needs=["financement"])
    assert len(assert_current()) == 4
    # Model saves, relation changes and queryset updates alike.
    offer.title = "ÉCOLE Coopérative"
    offer.save()
    assert_current()
    offer.stages.remove(Stage.objects.get(slug="amorcage"))
    offer.needs.add(Need.objects.get(slug="statut-juridique"))
    offer.eligible_legal_forms.set([LegalForm.objects.get(slug="scop")])
    offer.coverage.add(Territory.objects.get(key="COM-23077"))
    assert len(assert_current()) == 3
    Offer.objects.filter(pk=offer.pk).update(last_verified_at=NOW, closes_on=TODAY, amount_max=9000)
    assert_current()
    Offer.eligible_legal_forms.through.objects.filter(offer_id=offer.pk).delete()
    assert_current()
    # The structure: renamed, unpublished, published again.
    Structure.objects.filter(pk=offer.structure_id).update(name="Zèbre Solidaire")
    assert_current()
    Structure.objects.filter(pk=offer.structure_id).update(status=PublicationStatus.DRAFT)
    assert assert_current() == set()
    structure = Structure.objects.get(pk=offer.structure_id)
    structure.status = PublicationStatus.PUBLISHED
    structure.save()
    assert len(assert_current()) == 3
    # Unpublished, then deleted.
    Offer.objects.filter(pk=offer.pk).update(status=PublicationStatus.ARCHIVED)
    assert assert_current() == set()
    Offer.objects.filter(pk=offer.pk).update(status=PublicationStatus.PUBLISHED)
    offer.delete()
    assert assert_current() == set()
    assert not MatchEntry.objects.exists()


def test_entries_follow_a_merge_of_structures():
    kept = StructureFactory(name="Maison de l'ESS", siret=None)
    dropped = StructureFactory(name="Maison de l ESS", siret=None)
    OfferFactory(structure=dropped, coverage=["DEP-23"], stages=["emergence"], ref="commune")
    OfferFactory(structure=kept, coverage=["REG-75"], stages=["emergence"], ref="commune")
    structure_merge(keep=kept, drop=dropped, user=UserFactory(), reason="Doublon")
    stored = assert_current()
    assert {entry[10] for entry in stored} == {"maison de l'ess"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.postgres
def test_entries_follow_bulk_inserts_with_copy():
    from directory.services.bulk import insert_many

    structure = StructureFactory()
    offers = [
        Offer(structure=structure, ref=f"copie-{index}", title=f"Copie {index}", offer_type="accompagnement",
              status=PublicationStatus.PUBLISHED)
        for index in range(3)
    ]  # fmt: skip
    Offer.objects.bulk_create(offers)
    stage = Stage.objects.get(slug="emergence")
    territory = Territory.objects.get(key="DEP-23")
    insert_many("directory_offer_coverage", ["offer_id", "territory_id"], [(o.pk, territory.pk) for o in offers])
    insert_many("directory_offer_stages", ["offer_id", "stage_id"], [(o.pk, stage.pk) for o in offers])
    assert len(assert_current()) == 3


def test_the_rebuild_command_rewrites_entries_lost_outside_the_triggers():
    from io import StringIO

    from django.core.management import call_command

    OfferFactory(coverage=["DEP-23", "FR"], stages=["emergence"], needs=["financement"])
    expected = assert_current()
    MatchEntry.objects.all().delete()
    out = StringIO()
    call_command("rebuild_match_entries", stdout=out)
    assert stored_entries() == expected
    assert "2 entrées de correspondance réécrites" in out.getvalue()


def test_an_entry_its_offer_contradicts_is_not_shown_and_is_logged(caplog):
    shown = OfferFactory(coverage=["DEP-23"], stages=["emergence"])
    draft = OfferFactory(coverage=["DEP-23"], stages=["emergence"], status=PublicationStatus.DRAFT)
    # What a restore without triggers could leave: an entry for an offer that is not published.
    entry = MatchEntry.objects.get(offer_id=shown.pk)
    entry.pk, entry.offer_id = None, draft.pk
    entry.save()
    profile = selectors.build_profile(
        commune=Territory.objects.get(key="COM-23077"), stage=Stage.objects.get(slug="emergence")
    )
    ranked = selectors.RankedMatches(profile, today=TODAY)
    with caplog.at_level("WARNING", logger="funding.selectors"):
        assert [m.offer.pk for m in ranked[:]] == [shown.pk]
    assert str(draft.pk) in caplog.text and "rebuild_match_entries" in caplog.text
    assert ranked[0].offer.pk == shown.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL runs writers concurrently")
@pytest.mark.usefixtures("reference_data_restored")
def test_two_concurrent_writers_leave_the_entries_of_the_final_state():
    """One transaction publishes the structure while another unpublishes its offer: no entry may survive."""
    import threading

    import psycopg

    structure = StructureFactory(status=PublicationStatus.DRAFT)
    offer = OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence"])
    settings = connection.settings_dict
    dsn = psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    with psycopg.connect(dsn) as first, psycopg.connect(dsn) as second:
        first.execute("UPDATE directory_structure SET status = 'published' WHERE id = %s", [structure.pk])

        def unpublish():
            second.execute("UPDATE directory_offer SET status = 'draft' WHERE id = %s", [offer.pk])
            second.commit()

        writer = threading.Thread(target=unpublish)
        writer.start()
        writer.join(timeout=0.5)  # without the lock it finishes at once; with it, it waits for `first`
        first.commit()
        writer.join()
    assert not MatchEntry.objects.filter(offer_id=offer.pk).exists()
    assert_current()


def test_entries_wait_for_the_end_of_a_bulk_write_then_refresh_its_offers():
    from django.db import transaction

    from directory.services.bulk import bulk_write

    kept = OfferFactory(coverage=["DEP-23"], stages=["emergence"])
    assert_current()
    with transaction.atomic(), bulk_write() as touched:
        offer = OfferFactory(coverage=["DEP-23", "FR"], stages=["emergence"])
        Offer.objects.filter(pk=kept.pk).update(title="Retitrée")
        # Inside the bulk write the triggers wait: no entry for the new offer, the old title still there.
        assert not MatchEntry.objects.filter(offer_id=offer.pk).exists()
        assert MatchEntry.objects.get(offer_id=kept.pk).title_key != "retitree"
        touched.update([offer.pk, kept.pk])
    assert len(assert_current()) == 3


def test_entries_follow_an_import_that_creates_renames_and_relinks():
    from directory.services.importer import import_offers
    from tests.directory.test_import import row, to_csv

    import_offers(to_csv(row(), row(offer_ref="pret-1", offer_title="Prêt", stages="creation", coverage="REG-75")))
    assert len(assert_current()) == 2 * 2 + 1
    structure = Structure.objects.get(siret="73282932000074")
    # An offer the file does not name: the structure's rename must still reach its entries.
    OfferFactory(structure=structure, ref="hors-fichier", coverage=["FR"], stages=["emergence"])
    import_offers(
        to_csv(
            row(structure_name="Coopérative renommée", stages="emergence", coverage="FR"),
            row(
                structure_name="Coopérative renommée",
                offer_ref="pret-1",
                offer_title="Prêt d'honneur",
                stages="creation|developpement",
                coverage="REG-75",
            ),
        )
    )
    stored = assert_current()
    assert {entry[10] for entry in stored} == {tie_text("Coopérative renommée")}
    assert len(stored) == 1 + 2 + 1
