"""Unsaved objects for the engine's tests: no database is touched."""

import datetime
import itertools

from django.utils import timezone

from directory.models import Offer, PublicationStatus, Structure, Territory
from funding.matching import Candidate, Profile
from support_chain.models import Need, Stage

TODAY = datetime.date(2027, 1, 10)
NOW = timezone.make_aware(datetime.datetime(2027, 1, 10, 12))

COMMUNE = Territory(id=1, key="COM-23077", kind="COM", code="23077", name="Faux-la-Montagne")
ZONE = Territory(id=2, key="ZONE-millevaches", kind="ZONE", code="millevaches", name="Plateau de Millevaches")
EPCI = Territory(id=3, key="EPCI-200044014", kind="EPCI", code="200044014", name="CC Creuse Grand Sud")
DEP = Territory(id=4, key="DEP-23", kind="DEP", code="23", name="Creuse")
REG = Territory(id=5, key="REG-75", kind="REG", code="75", name="Nouvelle-Aquitaine")
FR = Territory(id=6, key="FR", kind="FR", code="FR", name="France")
NEIGHBOUR = Territory(id=7, key="DEP-19", kind="DEP", code="19", name="Corrèze")
TERRITORIES = (COMMUNE, ZONE, EPCI, DEP, REG, FR)

STAGES = {
    slug: Stage(id=position, slug=slug, name=name, position=position)
    for position, (slug, name) in enumerate(
        [
            ("emergence", "Émergence"),
            ("amorcage", "Amorçage"),
            ("creation", "Création"),
            ("consolidation", "Consolidation"),
            ("developpement", "Développement"),
        ],
        start=1,
    )
}
NEEDS = {
    slug: Need(id=index, slug=slug, name=name)
    for index, (slug, name) in enumerate(
        [
            ("financement", "Financement"),
            ("statut-juridique", "Statut juridique"),
            ("local-foncier", "Local et foncier"),
            ("mise-en-reseau", "Mise en réseau"),
        ],
        start=1,
    )
}

_ids = itertools.count(1)


def profile(stage="emergence", needs=(), **kwargs) -> Profile:
    return Profile(
        commune=COMMUNE,
        territories=TERRITORIES,
        stage=STAGES[stage],
        needs=tuple(NEEDS[slug] for slug in needs),
        **kwargs,
    )


def candidate(
    *,
    coverage=("FR",),
    stages=("emergence",),
    needs=(),
    legal_forms=(),
    structure_name="Structure",
    structure_status=PublicationStatus.PUBLISHED,
    places=(),
    **fields,
) -> Candidate:
    pk = fields.pop("id", None) or next(_ids)
    fields.setdefault("title", f"Offre {pk}")
    fields.setdefault("ref", f"ref-{pk}")
    fields.setdefault("status", PublicationStatus.PUBLISHED)
    fields.setdefault("last_verified_at", NOW)
    fields.setdefault("support_level", 1)
    fields.setdefault("offer_type", "accompagnement")
    structure = Structure(id=pk, name=structure_name, status=structure_status)
    offer = Offer(id=pk, structure=structure, **fields)
    return Candidate(
        offer=offer,
        coverage_keys=frozenset(coverage),
        stage_slugs=frozenset(stages),
        need_slugs=frozenset(needs),
        legal_form_slugs=frozenset(legal_forms),
        places=tuple(places),
    )
