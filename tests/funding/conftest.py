import datetime

import pytest

from directory.models import Territory
from directory.services.territories import zone_create_or_update
from tests.factories import OfferFactory, StructureFactory

# Faux-la-Montagne (Creuse) and every territory containing it; Corrèze is next door.
COMMUNE = "COM-23077"
LEVELS = ["COM-23077", "ZONE-plateau-millevaches", "EPCI-200044014", "DEP-23", "REG-75", "FR"]


@pytest.fixture
def directory_around_faux():
    """One offer at every level around Faux-la-Montagne, a neighbour's offer, and offers failing each filter."""
    zone = zone_create_or_update(
        name="Plateau de Millevaches", slug="plateau-millevaches", commune_codes=["23077", "19164"]
    )
    assert zone.key == LEVELS[1]
    epci = Territory.objects.get(key=COMMUNE).epci
    assert epci.key == LEVELS[2], epci.key
    made = {}
    for index, key in enumerate(LEVELS):
        made[key] = OfferFactory(
            title=f"Offre {key}",
            structure=StructureFactory(name=f"Structure {index} {key}", siret=None),
            coverage=[key],
            stages=["emergence"],
            needs=["financement"] if key == "FR" else [],
        )
    made["neighbour"] = OfferFactory(title="Corrèze seulement", coverage=["DEP-19"], stages=["emergence"])
    made["other-stage"] = OfferFactory(title="Pour la création", coverage=["DEP-23"], stages=["creation"])
    made["scop-only"] = OfferFactory(
        title="Réservé aux SCOP", coverage=["DEP-23"], stages=["emergence"], eligible_legal_forms=["scop"]
    )
    made["closed"] = OfferFactory(
        title="Appel clos", coverage=["DEP-23"], stages=["emergence"], closes_on=datetime.date(2026, 12, 31)
    )
    made["draft"] = OfferFactory(title="Brouillon", coverage=["DEP-23"], stages=["emergence"], status="draft")
    return made
