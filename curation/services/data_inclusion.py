"""Import of data·inclusion files (structures.json, services.json) into the imports with review.

The two files are read and validated against the data·inclusion schema package (`data-inclusion-schema`): a record
that does not validate refuses the whole import, each error naming the file, the line where its record starts and
the field. Valid records are turned into the rows of the project's CSV import format (one row per service, the
structure repeated) and previewed like any spreadsheet (curation/services/imports.py): the curator sees what would
be created or changed, then confirms (all or nothing) or abandons.

Mapping back onto our vocabularies (the reverse of directory/opendata.py): a service's « créer une entreprise »
thematiques give its stages (none: every stage, the source does not say) and needs; its type gives our offer
type; `zone_eligibilite` gives the coverage codes (commune, EPCI, département, France); without it, the service's
or else the structure's commune.
"""

import csv
import io
import json
from dataclasses import dataclass

import pydantic
from data_inclusion.schema import v1
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from curation.models import ImportBatch, ImportStatus
from curation.services.imports import import_preview
from directory.opendata import RESEAU_BY_NETWORK
from directory.services.importer import COLUMNS

OFFER_TYPE_BY_TYPE = {
    "accompagnement": "accompagnement",
    "aide-financiere": "financement",
    "aide-materielle": "lieu",
    "atelier": "formation",
    "formation": "formation",
    "information": "information",
}
STAGES_BY_THEMATIQUE = {
    "creer-une-entreprise--definir-son-projet-de-creation-dentreprise": ["emergence", "amorcage"],
    "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise": ["amorcage", "creation"],
    "creer-une-entreprise--developper-son-entreprise": ["consolidation", "developpement"],
}
ALL_STAGES = [
    "emergence",
    "amorcage",
    "creation",
    "consolidation",
    "developpement",
    "changement-echelle",
    "reprise-transmission",
]
NEEDS_BY_THEMATIQUE = {
    "creer-une-entreprise--definir-son-projet-de-creation-dentreprise": ["definition-projet"],
    "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise": ["modele-economique", "statut-juridique"],
    "preparer-sa-candidature--developper-son-reseau": ["mise-en-reseau"],
}
NEEDS_BY_FAMILY = {"se-former": ["formation"], "numerique": ["numerique"], "difficultes-financieres": ["financement"]}
NETWORK_BY_RESEAU = {reseau: network for network, reseau in RESEAU_BY_NETWORK.items()}
MODES = {"en-presentiel": "presentiel", "a-distance": "distance"}


@dataclass
class Record:
    file: str
    line: int
    data: dict


class FileRefused(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['file']} ligne {e['line']} : {' ; '.join(e['messages'])}" for e in errors))


def read_records(file_name: str, data: bytes) -> list[Record]:
    """The objects of a JSON array (or JSON Lines) file, each with the line where it starts."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise FileRefused([_error(file_name, 1, [_("fichier trop volumineux (20 Mo au plus)")])])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused([_error(file_name, 1, [_("encodage illisible : UTF-8 attendu")])]) from None
    decoder = json.JSONDecoder()
    records, position = [], _skip(text, 0)
    in_array = text[position : position + 1] == "["
    if in_array:
        position = _skip(text, position + 1)
    while position < len(text) and not (in_array and text[position] == "]"):
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            message = _("JSON invalide : %(msg)s") % {"msg": error.msg}
            raise FileRefused([_error(file_name, error.lineno, [message])]) from None
        if not isinstance(value, dict):
            raise FileRefused([_error(file_name, line, [_("un objet JSON est attendu pour chaque enregistrement")])])
        records.append(Record(file_name, line, value))
        position = _skip(text, position)
        if in_array and text[position : position + 1] == ",":
            position = _skip(text, position + 1)
    if in_array and text[position : position + 1] != "]":
        line = text.count("\n", 0, position) + 1
        raise FileRefused([_error(file_name, line, [_("JSON invalide : « ] » attendu en fin de fichier")])])
    return records


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _error(file_name: str, line: int, messages: list[str]) -> dict:
    return {"file": file_name, "line": line, "messages": messages}


def _validate(records: list[Record], model) -> tuple[list, list[dict]]:
    valid, errors = [], []
    for record in records:
        try:
            valid.append((record, model.model_validate(record.data)))
        except pydantic.ValidationError as error:
            messages = [
                _("champ « %(field)s » : %(message)s")
                % {"field": ".".join(str(part) for part in detail["loc"]) or "—", "message": detail["msg"]}
                for detail in error.errors()
            ]
            errors.append(_error(record.file, record.line, messages))
    return valid, errors


def _coverage_key(code: str) -> str:
    if code in ("france", "99100"):
        return "FR"
    if len(code) == 9 and code.isdigit():
        return f"EPCI-{code}"
    if len(code) == 5:
        return f"COM-{code}"
    return f"DEP-{code}"


def to_rows(structures: list[Record], services: list[Record]) -> tuple[list[dict], list[Record], list[dict]]:
    """Validated data·inclusion records as rows of the CSV import; (rows, the record of each row, errors)."""
    valid_structures, errors = _validate(structures, v1.Structure)
    valid_services, service_errors = _validate(services, v1.Service)
    errors += service_errors
    by_id = {}
    for record, structure in valid_structures:
        if structure.id in by_id:
            errors.append(_error(record.file, record.line, [_("champ « id » : identifiant en double")]))
        by_id[structure.id] = (record, structure)
        if not structure.code_insee:
            errors.append(
                _error(record.file, record.line, [_("champ « code_insee » : obligatoire pour situer la structure")])
            )
    financers = {s.structure_id for _r, s in valid_services if s.type == v1.TypeService.AIDE_FINANCIERE}
    rows, sources = [], []
    for record, service in valid_services:
        if service.structure_id not in by_id:
            errors.append(
                _error(
                    record.file,
                    record.line,
                    [
                        _("champ « structure_id » : structure « %(id)s » absente du fichier des structures")
                        % {"id": service.structure_id}
                    ],
                )
            )
            continue
        _structure_record, structure = by_id[service.structure_id]
        rows.append(_row(structure, service, financer=service.structure_id in financers))
        sources.append(record)
    return rows, sources, errors


def _row(structure, service, financer: bool) -> dict:
    thematiques = sorted(t.value for t in service.thematiques or ())
    stages = sorted({stage for t in thematiques for stage in STAGES_BY_THEMATIQUE.get(t, [])}, key=ALL_STAGES.index)
    needs = {need for t in thematiques for need in NEEDS_BY_THEMATIQUE.get(t, [])}
    needs |= {need for t in thematiques for need in NEEDS_BY_FAMILY.get(t.split("--")[0], [])}
    zone = service.zone_eligibilite or [service.code_insee or structure.code_insee]
    network = next(
        (NETWORK_BY_RESEAU[r.value] for r in sorted(structure.reseaux_porteurs or ()) if r.value in NETWORK_BY_RESEAU),
        "",
    )
    offer_type = OFFER_TYPE_BY_TYPE.get(service.type.value if service.type else "", "accompagnement")
    address = ", ".join(part for part in (structure.adresse, structure.complement_adresse) if part)
    row = {
        "structure_siret": structure.siret or "",
        "structure_name": structure.nom[:200],
        "structure_roles": "support|financer" if financer else "support",
        "structure_commune": structure.code_insee or "",
        "structure_network": network,
        "structure_website": str(structure.site_web or ""),
        "structure_email": structure.courriel or "",
        "structure_phone": (structure.telephone or "")[:30],
        "structure_address": address[:300],
        "structure_latitude": "" if structure.latitude is None else structure.latitude,
        "structure_longitude": "" if structure.longitude is None else structure.longitude,
        "offer_ref": service.id[:80],
        "offer_title": service.nom[:200],
        "offer_type": offer_type,
        "offer_description": service.description,
        "stages": "|".join(stages or ALL_STAGES),
        "needs": "|".join(sorted(needs)),
        "support_level": "1" if offer_type == "information" else "2",
        "coverage": "|".join(dict.fromkeys(_coverage_key(code) for code in zone)),
        "fee": service.frais.value if service.frais else "",
        "modes": "|".join(MODES[m.value] for m in sorted(service.modes_accueil or ())),
        "offer_url": str(service.lien_mobilisation or service.lien_source or ""),
        "offer_email": service.courriel or "",
    }
    return {column: row.get(column, "") for column in COLUMNS}


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def data_inclusion_preview(*, user, structures: tuple[str, bytes], services: tuple[str, bytes]) -> ImportBatch:
    """Validate the two files, then preview their import (nothing written to the directory): an ImportBatch to
    confirm, or refused with every error named by file, line and field."""
    file_name = _("data·inclusion : %(structures)s + %(services)s") % {
        "structures": structures[0],
        "services": services[0],
    }
    try:
        structure_records = read_records(*structures)
        service_records = read_records(*services)
    except FileRefused as refused:
        return _refused(user, file_name, refused.errors)
    if not service_records:
        return _refused(user, file_name, [_error(services[0], 1, [_("aucun service dans ce fichier")])])
    rows, sources, errors = to_rows(structure_records, service_records)
    if errors:
        return _refused(user, file_name, errors)
    batch = import_preview(user=user, file_name=file_name[:255], content=_csv(rows))
    if batch.status == ImportStatus.REJECTED:
        # The importer names CSV lines (line 2 is the first row): name the data·inclusion record instead.
        batch.errors = [
            _error(sources[e["line"] - 2].file, sources[e["line"] - 2].line, e["messages"])
            if 2 <= e["line"] < len(sources) + 2
            else e
            for e in batch.errors
        ]
        batch.save(update_fields=["errors"])
    return batch


def _refused(user, file_name: str, errors: list[dict]) -> ImportBatch:
    if not errors:
        raise ValidationError(_("Import refusé."))
    return ImportBatch.objects.create(
        uploaded_by=user, file_name=file_name[:255], content="", status=ImportStatus.REJECTED, errors=errors
    )
