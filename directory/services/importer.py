"""CSV import of structures and their offers: validate every row, then write all of it or nothing.

The format is documented in the README ("Format d'import"). One row per offer; the structure is found by
SIRET, or by name and commune when it has none. Re-importing the same file changes nothing.
"""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import (
    Fee,
    Instrument,
    LegalForm,
    Mode,
    Network,
    Offer,
    OfferType,
    PublicationStatus,
    Structure,
    StructureRole,
    Territory,
)
from directory.text import normalize
from directory.validators import siret_error
from support_chain.models import Need, Stage, SupportLevel

# A literal list: scripts/check_demo_csv.py (standard library only) reads it from this file's source.
COLUMNS = [
    "structure_siret",
    "structure_name",
    "structure_roles",
    "structure_legal_form",
    "structure_commune",
    "structure_network",
    "structure_website",
    "structure_email",
    "structure_phone",
    "structure_address",
    "structure_latitude",
    "structure_longitude",
    "offer_ref",
    "offer_title",
    "offer_type",
    "offer_description",
    "stages",
    "needs",
    "support_level",
    "coverage",
    "eligible_legal_forms",
    "instrument",
    "amount_min",
    "amount_max",
    "opens_on",
    "closes_on",
    "fee",
    "modes",
    "offer_url",
    "offer_email",
]
REQUIRED = [
    "structure_name",
    "structure_roles",
    "structure_commune",
    "offer_ref",
    "offer_title",
    "offer_type",
    "stages",
    "coverage",
]
STRUCTURE_FIELDS = [
    "siret",
    "name",
    "legal_form_id",
    "commune_id",
    "network_id",
    "website",
    "email",
    "phone",
    "address",
    "latitude",
    "longitude",
    *(role.field_name for role in StructureRole),
]
OFFER_FIELDS = [
    "title",
    "offer_type",
    "description",
    "support_level",
    "instrument_id",
    "amount_min",
    "amount_max",
    "opens_on",
    "closes_on",
    "fee",
    "url",
    "email",
    *(mode.field_name for mode in Mode),
]
OFFER_RELATIONS = ["stages", "needs", "coverage", "eligible_legal_forms"]
MAX_ERRORS_PER_ROW = 20


@dataclass
class RowError:
    line: int
    messages: list[str]

    def __str__(self):
        return _("Ligne %(line)s : %(messages)s") % {"line": self.line, "messages": " ; ".join(self.messages)}


class ImportRejected(Exception):
    """The file has errors: nothing was written. `errors` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class ImportReport:
    rows: int = 0
    structures_created: int = 0
    structures_updated: int = 0
    structures_unchanged: int = 0
    offers_created: int = 0
    offers_updated: int = 0
    offers_unchanged: int = 0
    dry_run: bool = False
    changes: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The report's figures (rows, structures and offers created, updated, unchanged)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.type in (int, "int")}


@dataclass
class ParsedRow:
    line: int
    structure_key: tuple
    structure: dict
    offer_ref: str
    offer: dict
    relations: dict


def _split(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split("|") if item.strip()]


class _Vocabularies:
    """Every slug and territory the file can name, loaded once."""

    def __init__(self, rows: list[dict]):
        self.stages = {s.slug: s for s in Stage.objects.all()}
        self.needs = {n.slug: n for n in Need.objects.all()}
        self.legal_forms = {f.slug: f for f in LegalForm.objects.all()}
        self.instruments = {i.slug: i for i in Instrument.objects.all()}
        self.networks = {n.slug: n for n in Network.objects.all()}
        keys = set()
        for row in rows:
            keys.update(_split(row.get("coverage", "")))
            if (row.get("structure_commune") or "").strip():
                keys.add(f"COM-{row['structure_commune'].strip()}")
        self.territories = {t.key: t for t in Territory.objects.filter(key__in=keys, is_active=True)}


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): exports prefix such a cell with
# an apostrophe (`spreadsheet_safe`), and the import takes it off again, so an export re-imports unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text as a spreadsheet shows it and never runs it: « =HYPERLINK(…) » → « '=HYPERLINK(…) ».

    A plain number (a negative longitude) is no formula and stays as it is."""
    if value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def from_spreadsheet_safe(value: str) -> str:
    """The text `spreadsheet_safe` was given."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) and not _is_number(value[1:]):
        return value[1:]
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value


class _RowParser:
    def __init__(self, vocabularies: _Vocabularies):
        self.vocab = vocabularies
        self.url_validator = URLValidator(schemes=["http", "https"])

    def parse(self, line: int, row: dict) -> tuple[ParsedRow | None, list[str]]:
        errors: list[str] = []
        value = {column: from_spreadsheet_safe(row.get(column) or "").strip() for column in COLUMNS}
        for column in REQUIRED:
            if not value[column]:
                errors.append(_("la colonne « %(column)s » est obligatoire") % {"column": column})

        structure = {"name": value["structure_name"], "address": value["structure_address"]}
        structure["phone"] = value["structure_phone"]
        structure["siret"] = value["structure_siret"].replace(" ", "") or None
        if structure["siret"] and (message := siret_error(structure["siret"])):
            errors.append(message)
        roles = _split(value["structure_roles"])
        for role in roles:
            if role not in StructureRole.values:
                errors.append(self._unknown(_("rôle"), role, StructureRole.values))
        for role in StructureRole:
            structure[role.field_name] = role in roles
        structure["legal_form_id"] = self._slug(
            value["structure_legal_form"], self.vocab.legal_forms, _("forme juridique"), errors
        )
        structure["network_id"] = self._slug(value["structure_network"], self.vocab.networks, _("réseau"), errors)
        commune = None
        if value["structure_commune"]:
            commune = self.vocab.territories.get(f"COM-{value['structure_commune']}")
            if commune is None:
                errors.append(
                    _("commune inconnue : « %(code)s » (code INSEE de la commune attendu, pas le code postal)")
                    % {"code": value["structure_commune"]}
                )
        structure["commune_id"] = commune.pk if commune else None
        structure["website"] = self._url(value["structure_website"], "structure_website", errors)
        structure["email"] = self._email(value["structure_email"], "structure_email", errors)
        structure["latitude"] = self._float(value["structure_latitude"], "structure_latitude", -90, 90, errors)
        structure["longitude"] = self._float(value["structure_longitude"], "structure_longitude", -180, 180, errors)
        if (structure["latitude"] is None) != (structure["longitude"] is None) and not errors:
            errors.append(_("la latitude et la longitude vont ensemble : renseignez les deux ou aucune"))

        offer = {"title": value["offer_title"], "description": value["offer_description"]}
        offer["offer_type"] = value["offer_type"]
        if value["offer_type"] and value["offer_type"] not in OfferType.values:
            errors.append(self._unknown(_("type d'offre"), value["offer_type"], OfferType.values))
        offer["support_level"] = SupportLevel.INFORMATION
        if value["support_level"]:
            if value["support_level"] in {"1", "2", "3"}:
                offer["support_level"] = int(value["support_level"])
            else:
                errors.append(
                    _("niveau d'accompagnement « %(value)s » invalide : 1, 2 ou 3 attendu")
                    % {"value": value["support_level"]}
                )
        offer["instrument_id"] = self._slug(
            value["instrument"], self.vocab.instruments, _("outil de financement"), errors
        )
        offer["amount_min"] = self._amount(value["amount_min"], "amount_min", errors)
        offer["amount_max"] = self._amount(value["amount_max"], "amount_max", errors)
        if offer["amount_min"] is not None and offer["amount_max"] is not None:
            if offer["amount_min"] > offer["amount_max"]:
                errors.append(
                    _("amount_min (%(min)s) est supérieur à amount_max (%(max)s)")
                    % {"min": offer["amount_min"], "max": offer["amount_max"]}
                )
        offer["opens_on"] = self._date(value["opens_on"], "opens_on", errors)
        offer["closes_on"] = self._date(value["closes_on"], "closes_on", errors)
        if offer["opens_on"] and offer["closes_on"] and offer["opens_on"] > offer["closes_on"]:
            errors.append(_("la date de clôture (closes_on) précède la date d'ouverture (opens_on)"))
        offer["fee"] = value["fee"]
        if value["fee"] and value["fee"] not in Fee.values:
            errors.append(self._unknown(_("coût"), value["fee"], Fee.values))
        modes = _split(value["modes"])
        for mode in modes:
            if mode not in Mode.values:
                errors.append(self._unknown(_("modalité"), mode, Mode.values))
        for mode in Mode:
            offer[mode.field_name] = mode in modes
        offer["url"] = self._url(value["offer_url"], "offer_url", errors)
        offer["email"] = self._email(value["offer_email"], "offer_email", errors)

        relations = {
            "stages": self._slugs(value["stages"], self.vocab.stages, _("étape"), errors),
            "needs": self._slugs(value["needs"], self.vocab.needs, _("besoin"), errors),
            "eligible_legal_forms": self._slugs(
                value["eligible_legal_forms"], self.vocab.legal_forms, _("forme juridique éligible"), errors
            ),
            "coverage": set(),
        }
        for code in _split(value["coverage"]):
            territory = self.vocab.territories.get(code)
            if territory is None:
                errors.append(_("territoire inconnu : « %(code)s »") % {"code": code})
            else:
                relations["coverage"].add(territory.pk)

        if errors:
            return None, errors[:MAX_ERRORS_PER_ROW]
        if structure["siret"]:
            key = ("siret", structure["siret"])
        else:
            key = ("name", normalize(structure["name"]), structure["commune_id"])
        return ParsedRow(line, key, structure, value["offer_ref"], offer, relations), []

    @staticmethod
    def _unknown(label, value, allowed):
        return _("%(label)s inconnu(e) : « %(value)s » (valeurs possibles : %(allowed)s)") % {
            "label": label,
            "value": value,
            "allowed": ", ".join(allowed),
        }

    def _slug(self, value, table, label, errors):
        if not value:
            return None
        if value not in table:
            errors.append(self._unknown(label, value, sorted(table)))
            return None
        return table[value].pk

    def _slugs(self, value, table, label, errors):
        ids = set()
        for slug in _split(value):
            if slug not in table:
                errors.append(self._unknown(label, slug, sorted(table)))
            else:
                ids.add(table[slug].pk)
        return ids

    def _url(self, value, column, errors):
        if not value:
            return ""
        try:
            self.url_validator(value)
        except ValidationError:
            errors.append(_("%(column)s : adresse web invalide « %(value)s »") % {"column": column, "value": value})
        return value

    @staticmethod
    def _email(value, column, errors):
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            errors.append(_("%(column)s : courriel invalide « %(value)s »") % {"column": column, "value": value})
        return value

    @staticmethod
    def _float(value, column, low, high, errors):
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            errors.append(_("%(column)s : nombre attendu, pas « %(value)s »") % {"column": column, "value": value})
            return None
        if not low <= number <= high:
            errors.append(
                _("%(column)s : %(value)s hors limites (%(low)s à %(high)s)")
                % {"column": column, "value": value, "low": low, "high": high}
            )
            return None
        return number

    @staticmethod
    def _amount(value, column, errors):
        if not value:
            return None
        cleaned = value.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
        if not cleaned.isdigit():
            errors.append(
                _("%(column)s : montant entier positif en euros attendu, pas « %(value)s »")
                % {"column": column, "value": value}
            )
            return None
        return int(cleaned)

    @staticmethod
    def _date(value, column, errors):
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(
                _("%(column)s : date invalide « %(value)s » (format AAAA-MM-JJ attendu)")
                % {"column": column, "value": value}
            )
            return None


def parse_rows(text: str) -> tuple[list[ParsedRow], list[RowError]]:
    """Read and validate the whole file without writing anything."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column and column not in COLUMNS]
    if not header or missing or unknown:
        messages = []
        if not header:
            messages.append(_("fichier vide : une ligne d'en-tête est obligatoire"))
        if missing:
            messages.append(_("colonnes obligatoires absentes : %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            messages.append(_("colonnes inconnues : %(columns)s") % {"columns": ", ".join(unknown)})
        return [], [RowError(1, messages)]
    reader.fieldnames = header
    raw_rows, line = [], 2
    for row in reader:
        raw_rows.append((line, row))
        line = reader.line_num + 1
    if not raw_rows:
        return [], [RowError(1, [_("le fichier ne contient aucune ligne de données")])]
    parser = _RowParser(_Vocabularies([row for _line, row in raw_rows]))
    parsed, errors = [], []
    first_seen: dict[tuple, ParsedRow] = {}
    refs_seen: dict[tuple, int] = {}
    for line, row in raw_rows:
        if None in row:
            errors.append(RowError(line, [_("trop de valeurs sur la ligne (vérifiez les guillemets et virgules)")]))
            continue
        result, row_errors = parser.parse(line, row)
        if result is not None:
            previous = first_seen.setdefault(result.structure_key, result)
            if previous is not result and previous.structure != result.structure:
                differing = sorted(k for k in result.structure if result.structure[k] != previous.structure[k])
                row_errors.append(
                    _("les informations de la structure diffèrent de la ligne %(line)s (%(fields)s)")
                    % {"line": previous.line, "fields": ", ".join(differing)}
                )
            ref_key = (result.structure_key, result.offer_ref)
            if ref_key in refs_seen:
                row_errors.append(
                    _("offer_ref « %(ref)s » déjà utilisé pour cette structure à la ligne %(line)s")
                    % {"ref": result.offer_ref, "line": refs_seen[ref_key]}
                )
            refs_seen.setdefault(ref_key, line)
        if row_errors:
            errors.append(RowError(line, row_errors))
        else:
            parsed.append(result)
    return parsed, errors


def import_offers(
    text: str,
    *,
    status: str = PublicationStatus.PUBLISHED,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    scope_check: Callable[[ParsedRow, Structure | None], str | None] | None = None,
) -> ImportReport:
    """Import the CSV text; raise ImportRejected (and write nothing) when any row is bad.

    `scope_check(row, existing_structure)` may refuse a row (returning the French reason), e.g. a structure
    outside the importing curator's régions. A dry run's report lists every change with its old and new values.
    """
    if status not in PublicationStatus.values:
        raise ValueError(status)
    parsed, errors = parse_rows(text)
    if errors:
        raise ImportRejected(errors)
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    with transaction.atomic():
        _apply(parsed, status, report, progress, scope_check)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _find_structure(key: tuple, commune_candidates: dict) -> Structure | None:
    if key[0] == "siret":
        return Structure.objects.filter(siret=key[1]).first()
    _kind, normalized_name, commune_id = key
    for candidate in commune_candidates.setdefault(
        commune_id, list(Structure.objects.filter(commune_id=commune_id, siret__isnull=True))
    ):
        if normalize(candidate.name) == normalized_name:
            return candidate
    return None


def _apply(parsed: list[ParsedRow], status: str, report: ImportReport, progress, scope_check=None) -> None:
    now = timezone.now()
    errors: list[RowError] = []
    structures: dict[tuple, Structure] = {}
    commune_candidates: dict = {}
    for index, row in enumerate(parsed, start=1):
        try:
            structure = structures.get(row.structure_key)
            if structure is None:
                structure = _upsert_structure(row, status, now, report, commune_candidates, scope_check)
                structures[row.structure_key] = structure
            _upsert_offer(structure, row, status, now, report)
        except ValidationError as error:
            errors.append(RowError(row.line, [message for message in error.messages]))
        if progress:
            progress(index, len(parsed))
    if errors:
        raise ImportRejected(errors)


def _upsert_structure(row, status, now, report, commune_candidates, scope_check=None) -> Structure:
    structure = _find_structure(row.structure_key, commune_candidates)
    if scope_check is not None and (message := scope_check(row, structure)):
        raise ValidationError(message)
    values = dict(row.structure, status=status)
    if structure is None:
        structure = Structure(**values, last_verified_at=now)
        structure.full_clean(exclude=["region"])
        structure.save()
        report.structures_created += 1
        report.changes.append({"line": row.line, "action": "create", "structure": structure.name})
        return structure
    changed = {
        name: (getattr(structure, name), value) for name, value in values.items() if getattr(structure, name) != value
    }
    if changed:
        for name, (_old, new) in changed.items():
            setattr(structure, name, new)
        structure.last_verified_at = now
        structure.full_clean(exclude=["region"])
        structure.save()
        report.structures_updated += 1
        report.changes.append(
            {
                "line": row.line,
                "action": "update",
                "structure": structure.name,
                "fields": sorted(changed),
                "diff": [{"field": name, "old": old, "new": new} for name, (old, new) in sorted(changed.items())],
            }
        )
    else:
        report.structures_unchanged += 1
    return structure


def _upsert_offer(structure, row, status, now, report) -> None:
    offer = Offer.objects.filter(structure=structure, ref=row.offer_ref).first()
    values = dict(row.offer, status=status)
    if offer is None:
        offer = Offer(structure=structure, ref=row.offer_ref, last_verified_at=now, **values)
        offer.full_clean(exclude=["structure"], validate_unique=False)
        offer.save()
        for relation in OFFER_RELATIONS:
            getattr(offer, relation).set(row.relations[relation])
        report.offers_created += 1
        report.changes.append({"line": row.line, "action": "create", "offer": offer.title})
        return
    changed = [name for name, value in values.items() if getattr(offer, name) != value]
    current_relations = {
        relation: set(getattr(offer, relation).values_list("pk", flat=True)) for relation in OFFER_RELATIONS
    }
    changed = sorted(changed + [r for r in OFFER_RELATIONS if current_relations[r] != row.relations[r]])
    if not changed:
        report.offers_unchanged += 1
        return
    diff = [
        {"field": name, "old": current_relations[name], "new": row.relations[name]}
        if name in current_relations
        else {"field": name, "old": getattr(offer, name), "new": values[name]}
        for name in changed
    ]
    for name, value in values.items():
        setattr(offer, name, value)
    offer.last_verified_at = now
    offer.full_clean(exclude=["structure"], validate_unique=False)
    offer.save()
    for relation in OFFER_RELATIONS:
        if current_relations[relation] != row.relations[relation]:
            getattr(offer, relation).set(row.relations[relation])
    report.offers_updated += 1
    report.changes.append({"line": row.line, "action": "update", "offer": offer.title, "fields": changed, "diff": diff})
