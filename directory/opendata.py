"""Open data: the published directory in the shapes other portals read.

- data·inclusion schema v1 (`structures.json`, `services.json`): every published structure and offer, our
  vocabularies mapped onto its référentiels (THEMATIQUES_BY_NEED, TYPE_BY_OFFER_TYPE, RESEAU_BY_NETWORK below).
  What a data·inclusion consumer loses is written in the README (« Données ouvertes »).
- dispositif-aide (`dispositifs.json`): the published funding offers (perimeter as COG coverage codes, aid types,
  beneficiaries, dates, recurrence, URL).

Plain functions over QuerySets read in a few grouped queries (no query per row), so the national export stays a
matter of seconds; `write_export()` writes the files atomically (a reader never sees half a file).
"""

import datetime
import itertools
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from directory.models import (
    CALL_DATE_FIELDS,
    Fee,
    Mode,
    Offer,
    OfferType,
    PostalCode,
    Structure,
    Territory,
    TerritoryKind,
    TerritoryLink,
)

SOURCE = "guichet-ess"
DATA_INCLUSION = "data-inclusion"
DISPOSITIF_AIDE = "dispositif-aide"
FORMATS = {
    DATA_INCLUSION: ("structures.json", "services.json"),
    DISPOSITIF_AIDE: ("dispositifs.json",),
}

# Our offer types onto data·inclusion's `TypeService`.
TYPE_BY_OFFER_TYPE = {
    OfferType.ACCOMPANIMENT: "accompagnement",
    OfferType.FUNDING: "aide-financiere",
    OfferType.PLACE: "aide-materielle",
    OfferType.TRAINING: "formation",
    OfferType.INFORMATION: "information",
    OfferType.NETWORKING: "atelier",
}
# Our needs onto data·inclusion's `Thematique` (its « créer une entreprise » family first; a need it has no
# word for is left out).
THEMATIQUES_BY_NEED = {
    "information-orientation": ["creer-une-entreprise--definir-son-projet-de-creation-dentreprise"],
    "definition-projet": ["creer-une-entreprise--definir-son-projet-de-creation-dentreprise"],
    "statut-juridique": ["creer-une-entreprise--structurer-son-projet-de-creation-dentreprise"],
    "modele-economique": ["creer-une-entreprise--structurer-son-projet-de-creation-dentreprise"],
    "financement": ["creer-une-entreprise--structurer-son-projet-de-creation-dentreprise"],
    "local-foncier": ["creer-une-entreprise--structurer-son-projet-de-creation-dentreprise"],
    "recrutement-rh": ["creer-une-entreprise--developper-son-entreprise"],
    "gouvernance": ["creer-une-entreprise--developper-son-entreprise"],
    "formation": ["se-former--trouver-sa-formation"],
    "mise-en-reseau": ["preparer-sa-candidature--developper-son-reseau"],
    "cooperation-mutualisation": ["creer-une-entreprise--developper-son-entreprise"],
    "commande-publique": ["creer-une-entreprise--developper-son-entreprise"],
    "evaluation-impact": ["creer-une-entreprise--developper-son-entreprise"],
    "numerique": ["creer-une-entreprise--developper-son-entreprise"],
    "communication": ["creer-une-entreprise--developper-son-entreprise"],
}
# Our stages onto the « créer une entreprise » thematiques (offers without needs still say what they are for).
THEMATIQUES_BY_STAGE = {
    "emergence": "creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
    "amorcage": "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
    "creation": "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
    "consolidation": "creer-une-entreprise--developper-son-entreprise",
    "developpement": "creer-une-entreprise--developper-son-entreprise",
    "changement-echelle": "creer-une-entreprise--developper-son-entreprise",
    "reprise-transmission": "creer-une-entreprise--developper-son-entreprise",
}
# Our networks that data·inclusion's `ReseauPorteur` knows.
RESEAU_BY_NETWORK = {
    "france-active": "france-active",
    "adie": "adie",
    "initiative-france": "initiative-france",
    "bge": "reseau-bge",
}
MODE_ACCUEIL = {Mode.IN_PERSON: "en-presentiel", Mode.REMOTE: "a-distance"}

# dispositif-aide: our instruments onto its `types_aides`, our legal forms onto its `beneficiaires_aide`.
AID_TYPE_BY_INSTRUMENT = {
    "subvention": "Subvention",
    "pret-honneur": "Prêt",
    "pret-solidaire": "Prêt",
    "pret-bancaire": "Prêt",
    "avance-remboursable": "Avance récupérable",
}
BENEFICIARY_BY_LEGAL_FORM = {
    "association": "Associations",
    "fondation": "Associations",
    "collectif-non-constitue": "Particuliers",
    "collectivite": "Communes",
}
ALL_BENEFICIARIES = ["Associations", "Entreprises privées", "Particuliers"]
PERMANENT, ONE_OFF = "Permanente", "Ponctuelle"


def _date(value: datetime.datetime | None, fallback: datetime.datetime, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    day = timezone.localdate(value or fallback)
    return min(day, today).isoformat()


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class _Pages:
    """Absolute page addresses of structures and offers, reversed once (not once per record)."""

    def __init__(self):
        self.structure = _url(reverse("directory:structure_detail", args=[0]))
        self.offer = _url(reverse("directory:offer_detail", args=[0]))
        self.today = timezone.localdate()

    def of_structure(self, pk: int) -> str:
        return self.structure.replace("/0/", f"/{pk}/")

    def of_offer(self, pk: int) -> str:
        return self.offer.replace("/0/", f"/{pk}/")


def _text(value: str, min_length: int = 5) -> str | None:
    value = (value or "").strip()
    return value if len(value) >= min_length else None


def _name(value: str) -> str:
    """A name data·inclusion accepts: 3 to 150 characters."""
    value = value.strip()[:150]
    return value if len(value) >= 3 else f"{value} ({SOURCE})"


def structure_id(pk: int) -> str:
    return f"{SOURCE}--{pk}"


class _Territories:
    """What the exports need to know of territories, read once: postal codes, the départements of each région and
    the communes of each custom zone (data·inclusion has no région nor custom zone in its `zone_eligibilite`)."""

    def __init__(self, commune_ids: Iterable[int] | None = None):
        self.pages = _Pages()
        self.today = timezone.localdate()
        postal_codes = PostalCode.objects.all()
        if commune_ids is not None:
            postal_codes = postal_codes.filter(commune_id__in=list(commune_ids))
        self.postal_code = dict(
            postal_codes.values("commune_id").annotate(code=Min("code")).values_list("commune_id", "code")
        )
        self.departements_of_region = defaultdict(list)
        for region_id, code in Territory.objects.of_kind(TerritoryKind.DEPARTEMENT).values_list("region_id", "code"):
            self.departements_of_region[region_id].append(code)
        self.communes_of_zone = defaultdict(list)
        for zone_id, code in TerritoryLink.objects.filter(
            ancestor__kind=TerritoryKind.ZONE, descendant__kind=TerritoryKind.COMMUNE
        ).values_list("ancestor_id", "descendant__code"):
            self.communes_of_zone[zone_id].append(code)

    def eligibility_codes(self, coverage: Iterable[Territory]) -> list[str]:
        """data·inclusion's `zone_eligibilite`: COG codes of communes, EPCIs (SIREN), départements, or `france`."""
        codes: list[str] = []
        for territory in coverage:
            if territory.kind == TerritoryKind.COUNTRY:
                return ["france"]
            if territory.kind == TerritoryKind.REGION:
                codes.extend(sorted(self.departements_of_region[territory.pk]))
            elif territory.kind == TerritoryKind.ZONE:
                codes.extend(sorted(self.communes_of_zone[territory.pk]))
            else:
                codes.append(territory.code)
        return list(dict.fromkeys(codes)) or None


def territories_for(commune_ids: Iterable[int]) -> "_Territories":
    """The territories' facts for a page of records (postal codes of these communes only)."""
    return _Territories(commune_ids)


def pages() -> "_Pages":
    return _Pages()


def published_structures():
    return (
        Structure.objects.published()
        .select_related("commune", "network")
        .only(
            *(
                "pk name siret description address latitude longitude phone email website opening_hours "
                "last_verified_at updated_at commune__name commune__code commune__kind network__slug"
            ).split()
        )
        .order_by("pk")
    )


# What the records read of an offer, its structure, commune and instrument (`data_inclusion_service`,
# `dispositif`): only these columns travel (loading the others, timestamps above all, cost a third of the export).
# A column read but missing here costs one query per offer: tests/directory/test_opendata.py pins the queries.
OFFER_COLUMNS = (
    *"pk title description offer_type email url how_to_access esus_required fee amount_min amount_max".split(),
    *"last_verified_at updated_at instrument__slug".split(),
    *(mode.field_name for mode in Mode),
    *CALL_DATE_FIELDS,
    *"structure__name structure__siret structure__email structure__address structure__latitude".split(),
    *"structure__longitude structure__commune__name structure__commune__code".split(),
)


def published_offers(**filters):
    """Published offers with their structure; their relations are read by `with_relations()`, not prefetched (the
    ORM's prefetch cost most of the national export's time)."""
    return (
        Offer.objects.published()
        .filter(**filters)
        .select_related("structure__commune", "instrument")
        .only(*OFFER_COLUMNS)
        .order_by("pk")
    )


class TerritoryFact(NamedTuple):
    pk: int
    kind: str
    code: str
    key: str


class TermFact(NamedTuple):
    slug: str
    name: str


class Relations(NamedTuple):
    coverage: list[TerritoryFact]
    stages: list[TermFact]
    needs: list[TermFact]
    legal_forms: list[TermFact]


def relations_of(offer_ids: list[int]) -> dict[int, Relations]:
    """The coverage, stages, needs and eligible legal forms of these offers: four narrow queries."""
    found = {pk: Relations([], [], [], []) for pk in offer_ids}
    coverage = (
        Offer.coverage.through.objects.filter(offer_id__in=offer_ids)
        .order_by("territory__kind_rank", "territory__code")
        .values_list("offer_id", "territory_id", "territory__kind", "territory__code", "territory__key")
    )
    for offer_id, *territory in coverage:
        found[offer_id].coverage.append(TerritoryFact(*territory))
    stages = (
        Offer.stages.through.objects.filter(offer_id__in=offer_ids)
        .order_by("stage__position")
        .values_list("offer_id", "stage__slug", "stage__name")
    )
    for offer_id, slug, name in stages:
        found[offer_id].stages.append(TermFact(slug, name))
    needs = (
        Offer.needs.through.objects.filter(offer_id__in=offer_ids)
        .order_by("need__slug")
        .values_list("offer_id", "need__slug", "need__name")
    )
    for offer_id, slug, name in needs:
        found[offer_id].needs.append(TermFact(slug, name))
    forms = (
        Offer.eligible_legal_forms.through.objects.filter(offer_id__in=offer_ids)
        .order_by("legalform__slug")
        .values_list("offer_id", "legalform__slug", "legalform__name")
    )
    for offer_id, slug, name in forms:
        found[offer_id].legal_forms.append(TermFact(slug, name))
    return found


def with_relations(offers: Iterable[Offer], size: int = 2000) -> Iterator[tuple[Offer, Relations]]:
    """(offer, its relations) for each offer, the relations read `size` offers at a time."""
    iterator = iter(offers)
    while chunk := list(itertools.islice(iterator, size)):
        relations = relations_of([offer.pk for offer in chunk])
        for offer in chunk:
            yield offer, relations[offer.pk]


def _chunked(queryset, size: int = 2000) -> Iterator:
    """Iterate a QuerySet with its prefetches, `size` rows at a time (prefetch_related works per chunk)."""
    yield from queryset.iterator(chunk_size=size)


def data_inclusion_structure(structure: Structure, territories: _Territories) -> dict:
    commune = structure.commune
    network = RESEAU_BY_NETWORK.get(structure.network.slug) if structure.network_id else None
    return _without_none(
        {
            "source": SOURCE,
            "id": structure_id(structure.pk),
            "nom": _name(structure.name),
            "date_maj": _date(structure.last_verified_at, structure.updated_at, territories.today),
            "description": _text(structure.description),
            "lien_source": territories.pages.of_structure(structure.pk),
            "siret": structure.siret or None,
            "commune": commune.name,
            "code_postal": territories.postal_code.get(structure.commune_id),
            "code_insee": commune.code,
            "adresse": structure.address or None,
            "longitude": structure.longitude,
            "latitude": structure.latitude,
            "telephone": structure.phone or None,
            "courriel": structure.email or None,
            "site_web": structure.website or None,
            "horaires_accueil": structure.opening_hours or None,
            "reseaux_porteurs": [network] if network else None,
        }
    )


def data_inclusion_service(offer: Offer, relations: Relations, territories: _Territories) -> dict:
    structure = offer.structure
    commune = structure.commune
    needs = [need.slug for need in relations.needs]
    stages = [stage.slug for stage in relations.stages]
    thematiques = [t for slug in needs for t in THEMATIQUES_BY_NEED.get(slug, [])]
    thematiques += [THEMATIQUES_BY_STAGE[slug] for slug in stages if slug in THEMATIQUES_BY_STAGE]
    mobilisation = []
    if offer.email:
        mobilisation.append("envoyer-un-courriel")
    if offer.url:
        mobilisation.append("utiliser-lien-mobilisation")
    if offer.mode_presentiel:
        mobilisation.append("se-presenter")
    legal_forms = [form.name for form in relations.legal_forms]
    conditions = [offer.how_to_access.strip()] if offer.how_to_access.strip() else []
    if legal_forms:
        conditions.append("Formes juridiques éligibles : " + ", ".join(sorted(legal_forms)) + ".")
    if offer.esus_required:
        conditions.append("Agrément ESUS requis.")
    return _without_none(
        {
            "source": SOURCE,
            "structure_id": structure_id(structure.pk),
            "id": f"{SOURCE}--offre-{offer.pk}",
            "nom": _name(offer.title),
            "description": _text(offer.description) or _name(f"{offer.get_offer_type_display()} : {offer.title}"),
            "lien_source": territories.pages.of_offer(offer.pk),
            "date_maj": _date(offer.last_verified_at, offer.updated_at, territories.today),
            "type": TYPE_BY_OFFER_TYPE.get(offer.offer_type),
            "thematiques": sorted(set(thematiques)) or None,
            "frais": "gratuit" if offer.fee == Fee.FREE else ("payant" if offer.fee else None),
            "frais_precisions": "Sur adhésion" if offer.fee == Fee.MEMBERSHIP else None,
            "conditions_acces": " ".join(conditions) or None,
            "commune": commune.name,
            "code_postal": territories.postal_code.get(structure.commune_id),
            "code_insee": commune.code,
            "adresse": structure.address or None,
            "longitude": structure.longitude,
            "latitude": structure.latitude,
            "courriel": offer.email or None,
            "modes_accueil": [MODE_ACCUEIL[mode] for mode in offer.modes] or None,
            "zone_eligibilite": territories.eligibility_codes(relations.coverage),
            "lien_mobilisation": offer.url or None,
            "modes_mobilisation": mobilisation or None,
            "mobilisable_par": ["usagers", "professionnels"],
        }
    )


def dispositif(offer: Offer, relations: Relations, pages: "_Pages") -> dict:
    """A funding offer in the dispositif-aide shape (`zone_geographique` holds our COG coverage codes)."""
    structure = offer.structure
    instrument = offer.instrument.slug if offer.instrument_id else None
    forms = [form.slug for form in relations.legal_forms]
    beneficiaries = sorted({BENEFICIARY_BY_LEGAL_FORM.get(slug, "Entreprises privées") for slug in forms})
    stages = relations.stages
    conditions = []
    if forms:
        conditions.append("Formes juridiques éligibles : " + ", ".join(forms) + ".")
    if offer.amount_min or offer.amount_max:
        conditions.append(f"Montant : {offer.amount_min or 0} à {offer.amount_max or '—'} €.")
    if offer.esus_required:
        conditions.append("Agrément ESUS requis.")
    return {
        "id_aide": f"{SOURCE}--offre-{offer.pk}",
        "nom_aide": offer.title,
        "nom_aide_normalise": offer.title[:180],
        "porteur_aide": structure.name,
        "porteur_siren": (structure.siret or "")[:9],
        "beneficiaires_aide": ",".join(beneficiaries or ALL_BENEFICIARIES),
        "types_aides": AID_TYPE_BY_INSTRUMENT.get(instrument, "Financière" if instrument else "Autre"),
        "instrument": instrument,
        "montant_minimum": offer.amount_min,
        "montant_maximum": offer.amount_max,
        "aap_ami": offer.is_call_for_projects,
        "description": offer.description or offer.title,
        "thematique_aide": "Économie sociale et solidaire > " + ", ".join(s.name for s in stages),
        "etapes": [s.slug for s in stages],
        "recurrence_aide": ONE_OFF if offer.is_call_for_projects else PERMANENT,
        "date_ouverture": offer.opens_on.isoformat() if offer.opens_on else None,
        "date_cloture": offer.closes_on.isoformat() if offer.closes_on else None,
        "condition_eligibilite": " ".join(conditions) or None,
        "etat_avancement_projet": _progress(stages),
        "zone_geographique": "|".join(t.key for t in relations.coverage),
        "url_descriptif": pages.of_offer(offer.pk),
        "url_demarche": offer.url or None,
        "contact": offer.email or structure.email or pages.of_structure(structure.pk),
        "date_mise_a_jour": _date(offer.last_verified_at, offer.updated_at, pages.today),
    }


# Our stages onto dispositif-aide's `etat_avancement_projet`.
PROGRESS_BY_STAGE = {
    "emergence": "Réflexion - conception",
    "amorcage": "Réflexion - conception",
    "creation": "Mise en oeuvre - réalisation",
    "reprise-transmission": "Mise en oeuvre - réalisation",
    "consolidation": "Usage - valorisation",
    "developpement": "Usage - valorisation",
    "changement-echelle": "Usage - valorisation",
}
PROGRESS_ORDER = ["Réflexion - conception", "Mise en oeuvre - réalisation", "Usage - valorisation"]


def _progress(stages) -> str | None:
    found = {PROGRESS_BY_STAGE[s.slug] for s in stages if s.slug in PROGRESS_BY_STAGE}
    return ",".join(p for p in PROGRESS_ORDER if p in found) or None


def _without_none(record: dict) -> dict:
    return {key: value for key, value in record.items() if value is not None}


def structures_records(queryset=None) -> Iterator[dict]:
    territories = _Territories()
    for structure in _chunked(queryset if queryset is not None else published_structures()):
        yield data_inclusion_structure(structure, territories)


def services_records(queryset=None) -> Iterator[dict]:
    territories = _Territories()
    offers = _chunked(queryset if queryset is not None else published_offers())
    for offer, relations in with_relations(offers):
        yield data_inclusion_service(offer, relations, territories)


def dispositifs_records(queryset=None) -> Iterator[dict]:
    pages = _Pages()
    queryset = queryset if queryset is not None else published_offers(offer_type=OfferType.FUNDING)
    for offer, relations in with_relations(_chunked(queryset)):
        yield dispositif(offer, relations, pages)


def records(file_name: str) -> Iterator[dict]:
    return {
        "structures.json": structures_records,
        "services.json": services_records,
        "dispositifs.json": dispositifs_records,
    }[file_name]()


def public_files_root() -> Path:
    """Where the weekly task writes the files that /directory/donnees-ouvertes/ serves."""
    return Path(settings.OPENDATA_ROOT)


def write_public_files() -> dict[str, dict[str, int]]:
    """Write every format into its folder of the public root (the weekly beat task)."""
    return {name: write_export(name, public_files_root() / name) for name in FORMATS}


def write_export(export_format: str, directory: Path) -> dict[str, int]:
    """Write the format's files into the directory (created if needed); return {file name: records written}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for file_name in FORMATS[export_format]:
        written[file_name] = _write_json_array(directory / file_name, records(file_name))
    return written


def _write_json_array(path: Path, items: Iterable[dict]) -> int:
    """Stream a JSON array to a temporary file beside `path`, then move it into place in one step."""
    count = 0
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("[")
            for item in items:
                out.write(",\n" if count else "\n")
                out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
                count += 1
            out.write("\n]\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
