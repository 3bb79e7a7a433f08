"""CSV import of permanences: who holds office hours in which third place, when.

The second kind of file the importer takes (directory/services/importer.py hands it over when the header names
`host_siret` and `place_siret`). One row per permanence; both structures must already be in the directory,
found by SIRET, and the place must be a third place. A permanence is identified by (host, place, offer): a
second import updates its schedule, opening hours and note, and changes nothing when they are equal. Like the
offers: every row is checked first, each bad row gets its French errors with its line, and nothing is written
unless every row is good.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from directory.models import Offer, Permanence, Structure, StructureRole
from directory.opening_hours import error as opening_hours_error

PERMANENCE_COLUMNS = ["host_siret", "place_siret", "schedule", "opening_hours", "offer_ref", "note"]
PERMANENCE_REQUIRED = ["host_siret", "place_siret", "schedule"]
# The header that tells a permanence file from an offer file.
PERMANENCE_MARKERS = {"host_siret", "place_siret"}
SCHEDULE_MAX_LENGTH = Permanence._meta.get_field("schedule").max_length
OPENING_HOURS_MAX_LENGTH = Permanence._meta.get_field("opening_hours").max_length


@dataclass
class PermanenceRow:
    line: int
    host: Structure
    place: Structure
    offer: Offer | None
    values: dict

    # What a scope check reads (curation/services/imports.py): the place decides whose region it is.
    @property
    def structure(self) -> dict:
        return {"commune_id": self.place.commune_id}


def header_of(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    return [name.strip() for name in next(reader, [])]


def is_permanence_file(text: str) -> bool:
    return PERMANENCE_MARKERS <= set(header_of(text))


def parse_permanence_rows(text: str, row_error) -> tuple[list[PermanenceRow], list]:
    """Read and check the whole file without writing; `row_error(line, messages)` builds the importer's RowError."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in PERMANENCE_REQUIRED if column not in header]
    unknown = [column for column in header if column and column not in PERMANENCE_COLUMNS]
    if missing or unknown:
        messages = []
        if missing:
            messages.append(_("colonnes obligatoires absentes : %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            messages.append(_("colonnes inconnues : %(columns)s") % {"columns": ", ".join(unknown)})
        return [], [row_error(1, messages)]
    reader.fieldnames = header
    raw_rows, line = [], 2
    for row in reader:
        raw_rows.append((line, row))
        line = reader.line_num + 1
    if not raw_rows:
        return [], [row_error(1, [_("le fichier ne contient aucune ligne de données")])]
    sirets = set()
    for _line, row in raw_rows:
        for column in ("host_siret", "place_siret"):
            sirets.add((row.get(column) or "").replace(" ", "").strip())
    structures = {s.siret: s for s in Structure.objects.filter(siret__in=sirets - {""})}
    parsed, errors, seen = [], [], {}
    for line, row in raw_rows:
        if None in row:
            errors.append(row_error(line, [_("trop de valeurs sur la ligne (vérifiez les guillemets et virgules)")]))
            continue
        result, messages = _parse(line, row, structures)
        if result is not None:
            key = (result.host.pk, result.place.pk, result.offer.pk if result.offer else None)
            if key in seen:
                messages.append(_("permanence déjà décrite à la ligne %(line)s") % {"line": seen[key]})
            seen.setdefault(key, line)
        if messages:
            errors.append(row_error(line, messages))
        else:
            parsed.append(result)
    return parsed, errors


def _parse(line: int, row: dict, structures: dict) -> tuple[PermanenceRow | None, list[str]]:
    value = {column: (row.get(column) or "").strip() for column in PERMANENCE_COLUMNS}
    messages = []
    for column in PERMANENCE_REQUIRED:
        if not value[column]:
            messages.append(_("la colonne « %(column)s » est obligatoire") % {"column": column})
    found = {}
    for column, label in (("host_siret", _("structure qui tient la permanence")), ("place_siret", _("lieu"))):
        siret = value[column].replace(" ", "")
        if not siret:
            continue
        found[column] = structures.get(siret)
        if found[column] is None:
            messages.append(
                _(
                    "%(column)s : aucune structure de SIRET « %(siret)s » dans l'annuaire "
                    "(%(label)s ; importez-la d'abord)"
                )
                % {"column": column, "siret": siret, "label": label}
            )
    place = found.get("place_siret")
    if place is not None and not getattr(place, StructureRole.THIRD_PLACE.field_name):
        messages.append(
            _("place_siret : « %(name)s » n'est pas un tiers-lieu (ajoutez-lui le rôle third_place)")
            % {"name": place.name}
        )
    if len(value["schedule"]) > SCHEDULE_MAX_LENGTH:
        messages.append(_("schedule : %(max)s caractères au plus") % {"max": SCHEDULE_MAX_LENGTH})
    if len(value["opening_hours"]) > OPENING_HOURS_MAX_LENGTH:
        messages.append(_("opening_hours : %(max)s caractères au plus") % {"max": OPENING_HOURS_MAX_LENGTH})
    elif message := opening_hours_error(value["opening_hours"]):
        messages.append(message)
    host, offer = found.get("host_siret"), None
    if host is not None and value["offer_ref"]:
        offer = Offer.objects.filter(structure=host, ref=value["offer_ref"]).first()
        if offer is None:
            messages.append(
                _("offer_ref : « %(ref)s » n'est pas une offre de « %(name)s »")
                % {"ref": value["offer_ref"], "name": host.name}
            )
    if messages:
        return None, messages
    values = {"schedule": value["schedule"], "opening_hours": value["opening_hours"], "note": value["note"]}
    return PermanenceRow(line, host, place, offer, values), []


def import_permanence_rows(
    parsed: list[PermanenceRow],
    report,
    *,
    row_error,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    scope_check=None,
    on_applied: Callable | None = None,
):
    """Write the checked rows, all or nothing; counts and changes go to the importer's `report`.

    `on_applied(report)` runs inside the transaction once every row is written (the curation import records itself
    there); it may raise ImportRejected to undo everything."""
    errors = []
    with transaction.atomic():
        for index, row in enumerate(parsed, start=1):
            try:
                _upsert(row, report, scope_check)
            except ValidationError as error:
                errors.append(row_error(row.line, list(error.messages)))
            if progress:
                progress(index, len(parsed))
        if errors or dry_run:
            transaction.set_rollback(True)
        elif on_applied:
            on_applied(report)
    return errors


def _upsert(row: PermanenceRow, report, scope_check) -> None:
    if scope_check is not None and (message := scope_check(row, row.place)):
        raise ValidationError(message)
    label = f"{row.host.name} — {row.place.name}"
    permanence = Permanence.objects.filter(host=row.host, place=row.place, offer=row.offer).first()
    if permanence is None:
        permanence = Permanence(host=row.host, place=row.place, offer=row.offer, **row.values)
        permanence.full_clean()
        permanence.save()
        report.permanences_created += 1
        report.changes.append({"line": row.line, "action": "create", "permanence": label})
        return
    changed = {
        name: (getattr(permanence, name), new) for name, new in row.values.items() if getattr(permanence, name) != new
    }
    if not changed:
        report.permanences_unchanged += 1
        return
    for name, (_old, new) in changed.items():
        setattr(permanence, name, new)
    permanence.full_clean()
    permanence.save()
    report.permanences_updated += 1
    report.changes.append(
        {
            "line": row.line,
            "action": "update",
            "permanence": label,
            "fields": sorted(changed),
            "diff": [{"field": name, "old": old, "new": new} for name, (old, new) in sorted(changed.items())],
        }
    )
