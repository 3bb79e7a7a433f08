"""CSV import of structures and their offers: validate every row, then write all of it or nothing.

The format is documented in the README ("Format d'import"). One row per offer; the structure is found by
SIRET, or by name and commune when it has none. Re-importing the same file changes nothing. A file whose header
names `host_siret` and `place_siret` is a file of permanences (directory/services/permanence_import.py).
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
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

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
from directory.opening_hours import error as opening_hours_error
from directory.services import permanence_import
from directory.services.bulk import bulk_write
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
# Columns a file may add to COLUMNS; a file without one leaves that field of its structures as it is.
OPTIONAL_COLUMNS = ["structure_opening_hours"]
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
# Read once, not for every row (a TextChoices' `values` is rebuilt at each call).
ROLE_VALUES = frozenset(StructureRole.values)
OFFER_TYPE_VALUES = frozenset(OfferType.values)
FEE_VALUES = frozenset(Fee.values)
MODE_VALUES = frozenset(Mode.values)
ROLE_FIELDS = [(role.value, role.field_name) for role in StructureRole]
MODE_FIELDS = [(mode.value, mode.field_name) for mode in Mode]
# Translated only when an error message needs them.
LABELS = {
    "legal_form": gettext_lazy("forme juridique"),
    "network": gettext_lazy("réseau"),
    "instrument": gettext_lazy("outil de financement"),
    "stage": gettext_lazy("étape"),
    "need": gettext_lazy("besoin"),
    "eligible_legal_form": gettext_lazy("forme juridique éligible"),
}

# What each column holds, in French: the import page lists them, and errors name a column by its label.
COLUMN_HELP = {
    "structure_siret": (_lazy("SIRET de la structure"), _lazy("14 chiffres ; vide pour un collectif non immatriculé")),
    "structure_name": (_lazy("nom de la structure"), ""),
    "structure_roles": (_lazy("rôles de la structure"), _lazy("support, financer, third_place ; séparés par |")),
    "structure_legal_form": (_lazy("forme juridique"), _lazy("association, scop, scic…")),
    "structure_commune": (_lazy("commune de la structure"), _lazy("code INSEE (79191), pas le code postal")),
    "structure_network": (_lazy("réseau"), _lazy("france-active, urscop…")),
    "structure_website": (_lazy("site web de la structure"), _lazy("adresse commençant par https://")),
    "structure_email": (_lazy("courriel de la structure"), ""),
    "structure_phone": (_lazy("téléphone de la structure"), ""),
    "structure_address": (_lazy("adresse postale"), ""),
    "structure_latitude": (_lazy("latitude"), _lazy("nombre décimal, avec la longitude")),
    "structure_longitude": (_lazy("longitude"), _lazy("nombre décimal, avec la latitude")),
    "offer_ref": (_lazy("référence de l'offre"), _lazy("unique par structure : la même référence met l'offre à jour")),
    "offer_title": (_lazy("intitulé de l'offre"), ""),
    "offer_type": (_lazy("type d'offre"), _lazy("accompagnement, financement, lieu, formation, information…")),
    "offer_description": (_lazy("description de l'offre"), ""),
    "stages": (_lazy("étapes"), _lazy("emergence, amorcage, creation… ; séparées par |")),
    "needs": (_lazy("besoins"), _lazy("financement, statut-juridique… ; séparés par |")),
    "support_level": (_lazy("niveau d'accompagnement"), _lazy("1, 2 ou 3")),
    "coverage": (_lazy("territoire couvert"), _lazy("COM-79191, EPCI-…, DEP-79, REG-75 ou FR ; séparés par |")),
    "eligible_legal_forms": (_lazy("formes juridiques éligibles"), _lazy("séparées par | ; vide : toutes")),
    "instrument": (_lazy("outil de financement"), _lazy("subvention, pret-honneur…")),
    "amount_min": (_lazy("montant minimum"), _lazy("en euros, nombre entier")),
    "amount_max": (_lazy("montant maximum"), _lazy("en euros, nombre entier")),
    "opens_on": (_lazy("ouverture de l'appel"), _lazy("AAAA-MM-JJ")),
    "closes_on": (_lazy("clôture de l'appel"), _lazy("AAAA-MM-JJ")),
    "fee": (_lazy("coût"), _lazy("gratuit, payant ou adhesion")),
    "modes": (_lazy("modalités"), _lazy("presentiel, distance ; séparées par |")),
    "offer_url": (_lazy("page de l'offre"), _lazy("adresse commençant par https://")),
    "offer_email": (_lazy("courriel de l'offre"), ""),
}


def column_label(column: str) -> str:
    """« montant minimum (amount_min) »: the French name first, the file's header after it."""
    label = COLUMN_HELP.get(column, ("", ""))[0]
    return f"{label} ({column})" if label else column


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
    permanences_created: int = 0
    permanences_updated: int = 0
    permanences_unchanged: int = 0
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
        value = {
            column: from_spreadsheet_safe(row.get(column) or "").strip() for column in (*COLUMNS, *OPTIONAL_COLUMNS)
        }
        for column in REQUIRED:
            if not value[column]:
                errors.append(_("la colonne « %(column)s » est obligatoire") % {"column": column_label(column)})

        structure = {"name": value["structure_name"], "address": value["structure_address"]}
        structure["phone"] = value["structure_phone"]
        structure["siret"] = value["structure_siret"].replace(" ", "") or None
        if structure["siret"] and (message := siret_error(structure["siret"])):
            errors.append(message)
        roles = _split(value["structure_roles"])
        for role in roles:
            if role not in ROLE_VALUES:
                errors.append(self._unknown(_("rôle"), role, StructureRole.values))
        for role, field_name in ROLE_FIELDS:
            structure[field_name] = role in roles
        structure["legal_form_id"] = self._slug(
            value["structure_legal_form"], self.vocab.legal_forms, LABELS["legal_form"], errors
        )
        structure["network_id"] = self._slug(value["structure_network"], self.vocab.networks, LABELS["network"], errors)
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
        # An optional column: a file without it leaves the structures' opening hours as they are.
        if "structure_opening_hours" in row:
            structure["opening_hours"] = value["structure_opening_hours"]
            if message := opening_hours_error(value["structure_opening_hours"]):
                errors.append(_("structure_opening_hours : %(message)s") % {"message": message})
        if (structure["latitude"] is None) != (structure["longitude"] is None) and not errors:
            errors.append(_("la latitude et la longitude vont ensemble : renseignez les deux ou aucune"))

        offer = {"title": value["offer_title"], "description": value["offer_description"]}
        offer["offer_type"] = value["offer_type"]
        if value["offer_type"] and value["offer_type"] not in OFFER_TYPE_VALUES:
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
        offer["instrument_id"] = self._slug(value["instrument"], self.vocab.instruments, LABELS["instrument"], errors)
        offer["amount_min"] = self._amount(value["amount_min"], "amount_min", errors)
        offer["amount_max"] = self._amount(value["amount_max"], "amount_max", errors)
        if offer["amount_min"] is not None and offer["amount_max"] is not None:
            if offer["amount_min"] > offer["amount_max"]:
                errors.append(
                    _("le montant minimum (amount_min, %(min)s) est supérieur au montant maximum (amount_max, %(max)s)")
                    % {"min": offer["amount_min"], "max": offer["amount_max"]}
                )
        offer["opens_on"] = self._date(value["opens_on"], "opens_on", errors)
        offer["closes_on"] = self._date(value["closes_on"], "closes_on", errors)
        if offer["opens_on"] and offer["closes_on"] and offer["opens_on"] > offer["closes_on"]:
            errors.append(_("la date de clôture de l'appel (closes_on) précède sa date d'ouverture (opens_on)"))
        offer["fee"] = value["fee"]
        if value["fee"] and value["fee"] not in FEE_VALUES:
            errors.append(self._unknown(_("coût"), value["fee"], Fee.values))
        modes = _split(value["modes"])
        for mode in modes:
            if mode not in MODE_VALUES:
                errors.append(self._unknown(_("modalité"), mode, Mode.values))
        for mode, field_name in MODE_FIELDS:
            offer[field_name] = mode in modes
        offer["url"] = self._url(value["offer_url"], "offer_url", errors)
        offer["email"] = self._email(value["offer_email"], "offer_email", errors)

        relations = {
            "stages": self._slugs(value["stages"], self.vocab.stages, LABELS["stage"], errors),
            "needs": self._slugs(value["needs"], self.vocab.needs, LABELS["need"], errors),
            "eligible_legal_forms": self._slugs(
                value["eligible_legal_forms"], self.vocab.legal_forms, LABELS["eligible_legal_form"], errors
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
            errors.append(
                _("%(column)s : adresse web invalide « %(value)s »") % {"column": column_label(column), "value": value}
            )
        return value

    @staticmethod
    def _email(value, column, errors):
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            errors.append(
                _("%(column)s : courriel invalide « %(value)s »") % {"column": column_label(column), "value": value}
            )
        return value

    @staticmethod
    def _float(value, column, low, high, errors):
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            errors.append(
                _("%(column)s : nombre attendu, pas « %(value)s »") % {"column": column_label(column), "value": value}
            )
            return None
        if not low <= number <= high:
            errors.append(
                _("%(column)s : %(value)s hors limites (%(low)s à %(high)s)")
                % {"column": column_label(column), "value": value, "low": low, "high": high}
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
                % {"column": column_label(column), "value": value}
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
                % {"column": column_label(column), "value": value}
            )
            return None


def _csv_error(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return _("un champ dépasse %(max)s caractères") % {"max": csv.field_size_limit()}
    return _("CSV mal formé (%(detail)s)") % {"detail": error}


def parse_rows(text: str, progress: Callable[[int, int], None] | None = None) -> tuple[list[ParsedRow], list[RowError]]:
    """Read and validate the whole file without writing anything; `progress(done, total)` every 500 rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column and column not in COLUMNS and column not in OPTIONAL_COLUMNS]
    if not header or missing or unknown:
        messages = []
        if not header:
            messages.append(_("fichier vide : une ligne d'en-tête est obligatoire"))
        if missing:
            messages.append(
                _("colonnes obligatoires absentes : %(columns)s") % {"columns": ", ".join(map(column_label, missing))}
            )
        if unknown:
            messages.append(_("colonnes inconnues : %(columns)s") % {"columns": ", ".join(unknown)})
        return [], [RowError(1, messages)]
    reader.fieldnames = header
    raw_rows, line = [], 2
    try:
        for row in reader:
            raw_rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        return [], [RowError(reader.line_num + 1, [_csv_error(error)])]
    if not raw_rows:
        return [], [RowError(1, [_("le fichier ne contient aucune ligne de données")])]
    parser = _RowParser(_Vocabularies([row for _line, row in raw_rows]))
    parsed, errors = [], []
    first_seen: dict[tuple, ParsedRow] = {}
    refs_seen: dict[tuple, int] = {}
    for index, (line, row) in enumerate(raw_rows, start=1):
        if progress and (index % 500 == 0 or index == len(raw_rows)):
            progress(index, len(raw_rows))
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
    history_user=None,
    on_applied: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import the CSV text; raise ImportRejected (and write nothing) when any row is bad.

    `scope_check(row, existing_structure)` may refuse a row (returning the French reason), e.g. a structure
    outside the importing curator's régions. A dry run's report lists every change with its old and new values,
    and writes nothing at all. `progress(done, total)` is called as rows are read, then checked against the
    directory (total is twice the row count); the writes that follow are a few bulk statements.

    The writes are bulk statements inside one transaction and one bulk write (directory.services.bulk): the
    derived data of the touched offers (the matching's read model) is refreshed once, at the end. The history of
    the structures and offers written, when an app registered one, is written in bulk too, by `history_user`.
    `on_applied(report)` runs inside that transaction once everything is written (to record the import with it).
    """
    if status not in PublicationStatus.values:
        raise ValueError(status)
    if permanence_import.is_permanence_file(text):
        return _import_permanences(
            text, dry_run=dry_run, progress=progress, scope_check=scope_check, on_applied=on_applied
        )
    total = 0

    def parsing(done, rows):
        nonlocal total
        total = rows
        if progress:
            progress(done, 2 * rows)

    parsed, errors = parse_rows(text, progress=parsing if progress else None)
    if errors:
        raise ImportRejected(errors)
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    checking = (lambda done, rows: progress(rows + done, 2 * rows)) if progress else None
    if dry_run:
        _Plan(parsed, status, report, checking, scope_check)
        return report
    with transaction.atomic():
        plan = _Plan(parsed, status, report, checking, scope_check, lock=True)
        plan.write(history_user)
        if on_applied:
            on_applied(report)
    return report


def _chunks(values, size=2000):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _import_permanences(text: str, *, dry_run: bool, progress, scope_check, on_applied=None) -> ImportReport:
    parsed, errors = permanence_import.parse_permanence_rows(text, RowError)
    if errors:
        raise ImportRejected(errors)
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    errors = permanence_import.import_permanence_rows(
        parsed,
        report,
        row_error=RowError,
        dry_run=dry_run,
        progress=progress,
        scope_check=scope_check,
        on_applied=on_applied,
    )
    if errors:
        raise ImportRejected(errors)
    return report


class _Plan:
    """What the rows change in the directory, worked out with a few queries and no write (`write()` applies it).

    Raises ImportRejected with every refused row (scope, model validation).
    """

    def __init__(self, parsed, status, report, progress=None, scope_check=None, lock=False):
        self.now = timezone.now()
        self.status = status
        self.report = report
        self.structures: dict[tuple, Structure] = {}
        self.new_structures: list[Structure] = []
        self.changed_structures: list[Structure] = []
        self.offers: list[tuple[Structure, Offer, ParsedRow]] = []
        self.new_offers: list[tuple[Offer, ParsedRow]] = []
        self.changed_offers: list[tuple[Offer, ParsedRow, list[str]]] = []
        errors: list[RowError] = []
        existing = self._existing_structures(parsed, lock)
        regions = dict(
            Territory.objects.filter(pk__in={row.structure["commune_id"] for row in parsed}).values_list(
                "pk", "region_id"
            )
        )
        for row in parsed:
            if row.structure_key in self.structures:
                continue
            try:
                self.structures[row.structure_key] = self._structure(row, existing.get(row.structure_key), scope_check)
            except ValidationError as error:
                errors.append(RowError(row.line, list(error.messages)))
        for structure in self.new_structures:
            structure.region_id = regions[structure.commune_id]
        offers, relations = self._existing_offers([s for s in self.structures.values() if s.pk], lock)
        for index, row in enumerate(parsed, start=1):
            structure = self.structures.get(row.structure_key)
            if structure is not None:
                try:
                    self._offer(structure, row, offers.get((structure.pk, row.offer_ref)), relations)
                except ValidationError as error:
                    errors.append(RowError(row.line, list(error.messages)))
            if progress and (index % 500 == 0 or index == len(parsed)):
                progress(index, len(parsed))
        if errors:
            raise ImportRejected(sorted(errors, key=lambda error: error.line))

    @staticmethod
    def _existing_structures(parsed, lock) -> dict[tuple, Structure]:
        sirets = {row.structure_key[1] for row in parsed if row.structure_key[0] == "siret"}
        communes = {row.structure_key[2] for row in parsed if row.structure_key[0] == "name"}
        found: dict[tuple, Structure] = {}
        queryset = Structure.objects.select_for_update() if lock else Structure.objects.all()
        for chunk in _chunks(sirets):
            for structure in queryset.filter(siret__in=chunk):
                found[("siret", structure.siret)] = structure
        for chunk in _chunks(communes):
            for structure in queryset.filter(commune_id__in=chunk, siret__isnull=True).order_by("name", "pk"):
                found.setdefault(("name", normalize(structure.name), structure.commune_id), structure)
        return found

    @staticmethod
    def _existing_offers(structures, lock):
        queryset = Offer.objects.select_for_update() if lock else Offer.objects.all()
        offers = {}
        for chunk in _chunks(structure.pk for structure in structures):
            for offer in queryset.filter(structure_id__in=chunk):
                offers[(offer.structure_id, offer.ref)] = offer
        relations: dict[str, dict[int, set]] = {relation: {} for relation in OFFER_RELATIONS}
        for relation in OFFER_RELATIONS:
            through = Offer._meta.get_field(relation).remote_field.through
            target = Offer._meta.get_field(relation).m2m_reverse_name()
            for chunk in _chunks(offer.pk for offer in offers.values()):
                for offer_id, target_id in through.objects.filter(offer_id__in=chunk).values_list("offer_id", target):
                    relations[relation].setdefault(offer_id, set()).add(target_id)
        return offers, relations

    def _structure(self, row, structure, scope_check) -> Structure:
        if scope_check is not None and (message := scope_check(row, structure)):
            raise ValidationError(message)
        values = dict(row.structure, status=self.status)
        # Foreign keys come from the vocabularies just read: no query per row to check that they exist.
        exclude = ["region", "commune", "legal_form", "network"]
        if structure is None:
            structure = Structure(**values, last_verified_at=self.now)
            structure.full_clean(exclude=exclude, validate_unique=False)
            self.new_structures.append(structure)
            self.report.structures_created += 1
            self.report.changes.append({"line": row.line, "action": "create", "structure": structure.name})
            return structure
        changed = {
            name: (getattr(structure, name), value)
            for name, value in values.items()
            if getattr(structure, name) != value
        }
        if not changed:
            self.report.structures_unchanged += 1
            return structure
        for name, (_old, new) in changed.items():
            setattr(structure, name, new)
        structure.last_verified_at = self.now
        structure.full_clean(exclude=exclude, validate_unique=False)
        self.changed_structures.append(structure)
        self.report.structures_updated += 1
        self.report.changes.append(
            {
                "line": row.line,
                "action": "update",
                "structure": structure.name,
                "fields": sorted(changed),
                "diff": [{"field": name, "old": old, "new": new} for name, (old, new) in sorted(changed.items())],
            }
        )
        return structure

    def _offer(self, structure, row, offer, relations) -> None:
        values = dict(row.offer, status=self.status)
        exclude = ["structure", "instrument"]
        if offer is None:
            offer = Offer(structure=structure, ref=row.offer_ref, last_verified_at=self.now, **values)
            offer.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            self.new_offers.append((offer, row))
            self.report.offers_created += 1
            self.report.changes.append({"line": row.line, "action": "create", "offer": offer.title})
            return
        changed = [name for name, value in values.items() if getattr(offer, name) != value]
        current = {relation: relations[relation].get(offer.pk, set()) for relation in OFFER_RELATIONS}
        changed_relations = [relation for relation in OFFER_RELATIONS if current[relation] != row.relations[relation]]
        changed = sorted(changed + changed_relations)
        if not changed:
            self.report.offers_unchanged += 1
            return
        diff = [
            {"field": name, "old": current[name], "new": row.relations[name]}
            if name in current
            else {"field": name, "old": getattr(offer, name), "new": values[name]}
            for name in changed
        ]
        for name, value in values.items():
            setattr(offer, name, value)
        offer.last_verified_at = self.now
        offer.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        self.changed_offers.append((offer, row, changed_relations))
        self.report.offers_updated += 1
        self.report.changes.append(
            {"line": row.line, "action": "update", "offer": offer.title, "fields": changed, "diff": diff}
        )

    def write(self, history_user=None) -> None:
        """Apply the plan with bulk statements, inside the caller's transaction and one bulk write."""
        with bulk_write() as touched:
            if self.new_structures:
                Structure.objects.bulk_create(self.new_structures, batch_size=1000)
                _bulk_history(self.new_structures, Structure, history_user, self.now)
            if self.changed_structures:
                for structure in self.changed_structures:
                    structure.updated_at = self.now
                Structure.objects.bulk_update(
                    self.changed_structures,
                    [*STRUCTURE_FIELDS, "status", "last_verified_at", "updated_at"],
                    batch_size=1000,
                )
                _bulk_history(self.changed_structures, Structure, history_user, self.now, update=True)
                # A renamed or (un)published structure changes what its other offers' entries hold.
                touched.update(Offer.objects.filter(structure__in=self.changed_structures).values_list("pk", flat=True))
            new_offers = [offer for offer, _row in self.new_offers]
            for offer in new_offers:
                offer.structure_id = offer.structure.pk
            if new_offers:
                Offer.objects.bulk_create(new_offers, batch_size=1000)
                _bulk_history(new_offers, Offer, history_user, self.now)
            changed_offers = [offer for offer, _row, _relations in self.changed_offers]
            if changed_offers:
                for offer in changed_offers:
                    offer.updated_at = self.now
                Offer.objects.bulk_update(
                    changed_offers, [*OFFER_FIELDS, "status", "last_verified_at", "updated_at"], batch_size=1000
                )
                _bulk_history(changed_offers, Offer, history_user, self.now, update=True)
            for relation in OFFER_RELATIONS:
                field = Offer._meta.get_field(relation)
                through, target = field.remote_field.through, field.m2m_reverse_name()
                replaced = [offer.pk for offer, _row, relations in self.changed_offers if relation in relations]
                for chunk in _chunks(replaced):
                    through.objects.filter(offer_id__in=chunk).delete()
                rows = [
                    through(offer_id=offer.pk, **{target: target_id})
                    for offer, row in self.new_offers
                    for target_id in sorted(row.relations[relation])
                ]
                rows += [
                    through(offer_id=offer.pk, **{target: target_id})
                    for offer, row, relations in self.changed_offers
                    if relation in relations
                    for target_id in sorted(row.relations[relation])
                ]
                through.objects.bulk_create(rows, batch_size=5000)
            touched.update(offer.pk for offer in new_offers)
            touched.update(offer.pk for offer in changed_offers)


def _bulk_history(objects, model, user, when, update=False) -> None:
    """Write the history rows of objects written in bulk (no save signal), when an app registered a history."""
    try:
        manager = get_history_manager_for_model(model)
    except NotHistoricalModelError:
        return
    manager.bulk_history_create(objects, update=update, default_user=user, default_date=when)
