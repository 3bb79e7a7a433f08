"""The demo directory's permanences (fixtures/demo/permanences.csv): support bodies received in third places.

The demo has no SIRET, so rows name the structures as directory.csv does; `load_demo` loads them after the
offers, in the same transaction. Reloading is idempotent (one permanence per host, place, offer and schedule).
"""

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from directory.models import Offer, Permanence, Structure


@dataclass
class DemoPermanenceError:
    line: int
    message: str

    def __str__(self):
        return _("Ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


class DemoPermanencesRejected(Exception):
    def __init__(self, errors):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@transaction.atomic
def load_demo_permanences(text: str) -> int:
    """Create the permanences of the CSV text; returns how many were created. All or nothing."""
    structures = {}
    for pk, name in Structure.objects.values_list("pk", "name"):
        structures.setdefault(name, []).append(pk)
    errors, wanted = [], []
    for line, row in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), start=2):
        found = {}
        for column in ("host_name", "place_name"):
            pks = structures.get((row.get(column) or "").strip(), [])
            if len(pks) != 1:
                errors.append(
                    DemoPermanenceError(
                        line, _("structure « %(name)s » introuvable ou en double") % {"name": row.get(column)}
                    )
                )
            else:
                found[column] = pks[0]
        if len(found) < 2:
            continue
        offer = None
        if row.get("offer_ref"):
            offer = Offer.objects.filter(structure_id=found["host_name"], ref=row["offer_ref"].strip()).first()
            if offer is None:
                errors.append(DemoPermanenceError(line, _("offre « %(ref)s » introuvable") % {"ref": row["offer_ref"]}))
                continue
        place = Structure.objects.get(pk=found["place_name"])
        if not place.role_third_place:
            errors.append(DemoPermanenceError(line, _("« %(name)s » n'est pas un tiers-lieu") % {"name": place.name}))
            continue
        wanted.append((found["host_name"], place.pk, offer, row["schedule"].strip(), (row.get("note") or "").strip()))
    if errors:
        raise DemoPermanencesRejected(errors)
    created = 0
    for host_id, place_id, offer, schedule, note in wanted:
        _permanence, is_new = Permanence.objects.get_or_create(
            host_id=host_id, place_id=place_id, offer=offer, schedule=schedule, defaults={"note": note}
        )
        created += is_new
    return created
