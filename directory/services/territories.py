"""Load the territorial referential and manage custom zones."""

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from directory.models import (
    KIND_NARROWNESS,
    PointSource,
    PostalCode,
    ReferentialVersion,
    Territory,
    TerritoryBoundary,
    TerritoryKind,
    TerritoryLink,
)
from directory.models.territory import make_key
from directory.services.bulk import insert_many
from directory.text import normalize

Progress = Callable[[str, int, int], None]
BATCH = 5000
COG_KINDS = [
    TerritoryKind.COUNTRY,
    TerritoryKind.REGION,
    TerritoryKind.DEPARTEMENT,
    TerritoryKind.EPCI,
    TerritoryKind.COMMUNE,
]


@dataclass
class LoadReport:
    skipped: bool
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    links: int = 0
    postal_codes: int = 0
    points: int = 0
    boundaries: int = 0
    # Communes the geographic source lacks: they got their EPCI's point (names, sorted), or no point at all.
    epci_points: list[str] = field(default_factory=list)
    without_point: list[str] = field(default_factory=list)


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def file_checksum(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def geo_fixture_for(path: Path) -> Path | None:
    """The geographic fixture shipped next to a COG fixture (geo.json.gz), if there is one."""
    candidate = Path(path).with_name("geo.json.gz")
    return candidate if candidate.exists() else None


def _read_gzip_json(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _rows_from_fixture(data: dict, geo: dict | None = None) -> list[dict]:
    """Flatten the compact fixture into one dict per territory, parents given by coverage key.

    With the geographic fixture, each commune also gets its point and where it comes from.
    """
    points = {code: (lat, lon, origin) for code, lat, lon, origin in (geo or {}).get("communes", [])}
    rows = [{"kind": TerritoryKind.COUNTRY, "code": "FR", "name": "France", "population": 0}]
    region_pop, dep_pop = {}, {}
    for _code, _name, dep, _epci, population, _pcs in data["communes"]:
        dep_pop[dep] = dep_pop.get(dep, 0) + population
    dep_region = {code: region for code, _name, region in data["departements"]}
    for dep, population in dep_pop.items():
        region_pop[dep_region[dep]] = region_pop.get(dep_region[dep], 0) + population
    rows[0]["population"] = sum(region_pop.values())
    for code, name in data["regions"]:
        rows.append({"kind": TerritoryKind.REGION, "code": code, "name": name, "population": region_pop.get(code, 0)})
    for code, name, region in data["departements"]:
        rows.append(
            {
                "kind": TerritoryKind.DEPARTEMENT,
                "code": code,
                "name": name,
                "population": dep_pop.get(code, 0),
                "region": f"REG-{region}",
            }
        )
    for code, name, _type, population in data["epcis"]:
        rows.append({"kind": TerritoryKind.EPCI, "code": code, "name": name, "population": population})
    for code, name, dep, epci, population, postal_codes in data["communes"]:
        lat, lon, origin = points.get(code, (None, None, None))
        rows.append(
            {
                "latitude": lat,
                "longitude": lon,
                "point_source": origin,
                "kind": TerritoryKind.COMMUNE,
                "code": code,
                "name": name,
                "population": population,
                "departement": f"DEP-{dep}",
                "region": f"REG-{dep_region[dep]}",
                "epci": f"EPCI-{epci}" if epci else None,
                "postal_codes": postal_codes,
            }
        )
    return rows


def _desired_links(rows: list[dict]) -> set[tuple[str, str, int]]:
    """(descendant key, ancestor key, depth) for every COG territory, itself included at depth 0."""
    links = set()
    epci_parents: dict[str, set[str]] = {}
    for row in rows:
        key = make_key(row["kind"], row["code"])
        links.add((key, key, 0))
        if row["kind"] == TerritoryKind.COUNTRY:
            continue
        links.add((key, "FR", 4 if row["kind"] == TerritoryKind.COMMUNE else 1))
        if row["kind"] == TerritoryKind.DEPARTEMENT:
            links.add((key, row["region"], 1))
        elif row["kind"] == TerritoryKind.COMMUNE:
            links.add((key, row["departement"], 2))
            links.add((key, row["region"], 3))
            if row["epci"]:
                links.add((key, row["epci"], 1))
                epci_parents.setdefault(row["epci"], set()).update([row["departement"], row["region"]])
    # An EPCI lies in the départements and régions of its member communes (a few straddle two).
    for epci, parents in epci_parents.items():
        for parent in parents:
            links.add((epci, parent, 1))
    return links


def load_territories(
    path: Path, *, force: bool = False, progress: Progress = _no_progress, geo_path: Path | None = None
) -> LoadReport:
    """Load or refresh the COG referential from the compact fixture; skip when the files were already loaded.

    The geographic fixture (`geo_path`, by default geo.json.gz next to `path`) gives each commune its point and
    the EPCIs, départements and régions their boundaries; the report names the communes it lacks.
    """
    geo_path = geo_path or geo_fixture_for(path)
    checksum = file_checksum(path)
    if geo_path:
        checksum = hashlib.sha256(f"{checksum}+{file_checksum(geo_path)}".encode()).hexdigest()
    version = ReferentialVersion.objects.filter(name="cog").first()
    if version and version.checksum == checksum and not force:
        return LoadReport(skipped=True)
    data = _read_gzip_json(path)
    geo = _read_gzip_json(geo_path) if geo_path else None
    rows = _rows_from_fixture(data, geo)
    report = LoadReport(skipped=False)
    with transaction.atomic():
        ids = _upsert_territories(rows, report, progress)
        _sync_links(rows, ids, report, progress)
        _sync_postal_codes(rows, ids, report, progress)
        if geo is not None:
            _sync_boundaries(geo, ids, report, progress)
        communes = [row for row in rows if row["kind"] == TerritoryKind.COMMUNE]
        report.points = sum(row["latitude"] is not None for row in communes)
        report.epci_points = sorted(
            f"{row['name']} ({row['code']})" for row in communes if row["point_source"] == PointSource.EPCI
        )
        report.without_point = sorted(f"{row['name']} ({row['code']})" for row in communes if row["latitude"] is None)
        source = data["source"] + (f" + {geo['source']}" if geo else "")
        ReferentialVersion.objects.update_or_create(name="cog", defaults={"checksum": checksum, "source": source})
    return report


PARENT_FIELDS = ("departement", "region", "epci")


def _upsert_territories(rows, report, progress) -> dict[str, int]:
    """Create or update COG territories, widest first so that parents exist; return {key: id}."""
    existing = {t.key: t for t in Territory.objects.exclude(kind=TerritoryKind.ZONE)}
    ids = {key: t.pk for key, t in existing.items()}
    seen, to_update, created, done = set(), [], 0, 0
    for kind in COG_KINDS:
        to_create = []
        for row in (row for row in rows if row["kind"] == kind):
            key = make_key(row["kind"], row["code"])
            seen.add(key)
            values = {
                "name": row["name"],
                "search_name": normalize(row["name"]),
                "population": row["population"],
                "latitude": row.get("latitude"),
                "longitude": row.get("longitude"),
                "point_source": row.get("point_source") or None,
                "is_active": True,
                **{f"{name}_id": ids[row[name]] if row.get(name) else None for name in PARENT_FIELDS},
            }
            territory = existing.get(key)
            if territory is None:
                to_create.append(
                    Territory(key=key, kind=kind, code=row["code"], kind_rank=KIND_NARROWNESS[kind], **values)
                )
            elif any(getattr(territory, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(territory, name, value)
                to_update.append(territory)
        for start in range(0, len(to_create), BATCH):
            batch = Territory.objects.bulk_create(to_create[start : start + BATCH])
            done += len(batch)
            progress(_("Territoires"), done, len(rows))
        ids.update(Territory.objects.filter(kind=kind).values_list("key", "id"))
        created += len(to_create)
    update_fields = [
        "name",
        "search_name",
        "population",
        "latitude",
        "longitude",
        "point_source",
        "is_active",
        *(f"{f}_id" for f in PARENT_FIELDS),
    ]
    for start in range(0, len(to_update), 500):
        Territory.objects.bulk_update(to_update[start : start + 500], update_fields)
    progress(_("Territoires"), len(rows), len(rows))
    # Territories that left the COG (merged communes, dissolved EPCI) stay for history but are inactive.
    gone = [key for key, t in existing.items() if key not in seen and t.is_active]
    report.deactivated = Territory.objects.filter(key__in=gone).update(is_active=False)
    report.created, report.updated = created, len(to_update)
    return ids


def _sync_links(rows, ids, report, progress):
    desired = {(ids[d], ids[a], depth) for d, a, depth in _desired_links(rows)}
    current = set(
        TerritoryLink.objects.exclude(ancestor__kind=TerritoryKind.ZONE).values_list(
            "descendant_id", "ancestor_id", "depth"
        )
    )
    stale = current - desired
    if stale:
        stale_pairs = {(d, a) for d, a, _depth in stale}
        stale_ids = [
            pk
            for pk, d, a in TerritoryLink.objects.exclude(ancestor__kind=TerritoryKind.ZONE).values_list(
                "id", "descendant_id", "ancestor_id"
            )
            if (d, a) in stale_pairs
        ]
        for start in range(0, len(stale_ids), 900):  # SQLite's bound-parameter limit
            TerritoryLink.objects.filter(id__in=stale_ids[start : start + 900]).delete()
    missing = sorted(desired - current)
    insert_many(
        TerritoryLink._meta.db_table,
        ["descendant_id", "ancestor_id", "depth"],
        missing,
        progress,
        _("Liens d'appartenance"),
    )
    report.links = len(missing)


def _sync_postal_codes(rows, ids, report, progress):
    desired = {
        (code, ids[make_key(row["kind"], row["code"])])
        for row in rows
        if row["kind"] == TerritoryKind.COMMUNE
        for code in row["postal_codes"]
    }
    current = set(PostalCode.objects.values_list("code", "commune_id"))
    for code, commune_id in current - desired:
        PostalCode.objects.filter(code=code, commune_id=commune_id).delete()
    missing = sorted(desired - current)
    insert_many(PostalCode._meta.db_table, ["code", "commune_id"], missing, progress, _("Codes postaux"))
    report.postal_codes = len(missing)


def _sync_boundaries(geo, ids, report, progress):
    """Replace every boundary by the fixture's (a few thousand rows: simpler than a diff)."""
    TerritoryBoundary.objects.all().delete()
    rows = sorted(
        (ids[key], json.dumps(geometry, separators=(",", ":"))) for key, geometry in geo["boundaries"] if key in ids
    )
    insert_many(TerritoryBoundary._meta.db_table, ["territory_id", "geometry"], rows, progress, _("Contours"))
    report.boundaries = len(rows)


# --- Custom zones --------------------------------------------------------------------------------------


def read_commune_codes(source: Iterable[str] | str) -> list[str]:
    """INSEE codes from a CSV (first column, or the column named code/insee/code_insee); header optional."""
    text = source if isinstance(source, str) else "".join(source)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if ";" in text.splitlines()[0] else ",")
    codes, column = [], 0
    for index, row in enumerate(reader):
        if not row or not any(cell.strip() for cell in row):
            continue
        if index == 0:
            header = [cell.strip().lower() for cell in row]
            named = [i for i, cell in enumerate(header) if cell in {"code", "insee", "code_insee", "codgeo"}]
            if named:
                column = named[0]
                continue
            if not row[0].strip().isalnum():
                continue
        codes.append(row[column].strip().zfill(5))
    return codes


@transaction.atomic
def zone_create_or_update(*, name: str, commune_codes: list[str], slug: str = "", description: str = "") -> Territory:
    """Create or replace a custom zone from INSEE commune codes; an unknown code is an error naming it."""
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError(_("Donnez un nom à la zone."))
    if not commune_codes:
        raise ValidationError(_("La zone « %(name)s » ne contient aucune commune.") % {"name": name})
    keys = [f"COM-{code}" for code in commune_codes]
    communes = dict(Territory.objects.communes().filter(key__in=keys).values_list("key", "id"))
    unknown = [key.removeprefix("COM-") for key in keys if key not in communes]
    if unknown:
        raise ValidationError(
            _("Code(s) commune inconnu(s) : %(codes)s") % {"codes": ", ".join(sorted(set(unknown))[:20])}
        )
    zone, _created = Territory.objects.update_or_create(
        key=make_key(TerritoryKind.ZONE, slug),
        defaults={"kind": TerritoryKind.ZONE, "code": slug, "name": name, "description": description},
    )
    TerritoryLink.objects.filter(ancestor=zone).delete()
    TerritoryLink.objects.bulk_create(
        [TerritoryLink(ancestor=zone, descendant=zone, depth=0)]
        + [TerritoryLink(ancestor=zone, descendant_id=pk, depth=1) for pk in set(communes.values())]
    )
    Territory.objects.filter(pk=zone.pk).update(
        population=sum(Territory.objects.filter(pk__in=communes.values()).values_list("population", flat=True))
    )
    zone.refresh_from_db()
    return zone
