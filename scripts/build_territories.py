#!/usr/bin/env python3
"""Derive the compact territorial fixture from the npm package @etalab/decoupage-administratif.

Usage: python scripts/build_territories.py [PACKAGE_DATA_DIR]

Without an argument the script runs `npm pack @etalab/decoupage-administratif@6.0.0` in a temporary
directory (the only step that needs the npm registry) and reads its data/ folder. It writes
fixtures/territories/cog.json.gz deterministically (sorted, gzip without timestamp), so rebuilding from the
same package gives the same bytes and the same checksum.
"""

import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
OUTPUT = Path(__file__).resolve().parent.parent / "fixtures" / "territories" / "cog.json.gz"


def fetch_package(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=workdir, check=True)
    archive = next(workdir.glob("*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package" / "data"


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


def main():
    if len(sys.argv) > 1:
        data = build(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            data = build(fetch_package(Path(tmp)))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(OUTPUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(payload)
    print(
        f"{OUTPUT.name}: {len(data['communes'])} communes, {len(data['epcis'])} EPCI, "
        f"{len(data['departements'])} départements, {len(data['regions'])} régions, "
        f"{OUTPUT.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
