#!/usr/bin/env python3
"""Check the demonstration directory CSV against the Code Officiel Géographique.

Standalone (standard library only): the import columns and the vocabularies are read from where the
project declares them (fixtures/vocabularies.json, and the source of the importer and of the TextChoices),
never restated here. Usage:

    python scripts/check_demo_csv.py [COG_DATA_DIR] [--csv FILE] [--today YYYY-MM-DD]

COG_DATA_DIR is the ``data`` directory of the npm package
``@etalab/decoupage-administratif`` 6.0.0 (communes.json, epci.json,
departements.json, regions.json); default ``/tmp/cog/package/data``.
FILE defaults to ``fixtures/demo/directory.csv`` next to this script's project.

Prints counts, then every problem (one line each, with the CSV line number),
and exits with status 1 if there is at least one problem.
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import functools
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The checker restates no vocabulary: it reads each where the project declares it, without importing Django.
VOCABULARY_FILE = PROJECT_ROOT / "fixtures" / "vocabularies.json"  # the tables' terms, as seeded
FIXED_VOCABULARIES = PROJECT_ROOT / "directory" / "models" / "vocabulary.py"  # TextChoices
SUPPORT_CHAIN_MODELS = PROJECT_ROOT / "support_chain" / "models.py"  # SupportLevel
IMPORTER = PROJECT_ROOT / "directory" / "services" / "importer.py"  # COLUMNS
SIRET_RULE = PROJECT_ROOT / "directory" / "siret.py"  # siret_fault


def _module(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def literal_constant(path: Path, name: str):
    """The value of the top-level `name = <literal>` of a Python file."""
    for node in _module(path).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{path}: no top-level {name} = ...")


def choices_values(path: Path, class_name: str) -> list[str]:
    """The values of a Django TextChoices or IntegerChoices class of a Python file, in order, as CSV text."""
    for node in _module(path).body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            values = []
            for statement in node.body:
                if not (
                    isinstance(statement, ast.Assign)
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and not statement.targets[0].id.startswith("_")
                ):
                    continue
                # A member is `NAME = value, label` (or more fields before the label), or `NAME = value`.
                value = statement.value.elts[0] if isinstance(statement.value, ast.Tuple) else statement.value
                values.append(str(ast.literal_eval(value)))
            return values
    raise LookupError(f"{path}: no class {class_name}")


def vocabulary_slugs(section: str) -> list[str]:
    terms = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))[section]
    return [term["slug"] for term in terms]


HEADER = literal_constant(IMPORTER, "COLUMNS")
STRUCTURE_FIELDS = [h for h in HEADER if h.startswith("structure_")]

ROLES = choices_values(FIXED_VOCABULARIES, "StructureRole")
LEGAL_FORMS = vocabulary_slugs("legal_forms")
NETWORKS = vocabulary_slugs("networks")
OFFER_TYPES = choices_values(FIXED_VOCABULARIES, "OfferType")
STAGES = vocabulary_slugs("stages")
NEEDS = vocabulary_slugs("needs")
LEVELS = choices_values(SUPPORT_CHAIN_MODELS, "SupportLevel")
INSTRUMENTS = vocabulary_slugs("instruments")
FEES = choices_values(FIXED_VOCABULARIES, "Fee")
MODES = choices_values(FIXED_VOCABULARIES, "Mode")

# Metropolitan France bounding box (degrees).
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 41.0, 51.5, -5.5, 10.0

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^0[1-9]( \d\d){4}$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
REF_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
FICTITIOUS_DOMAIN = "exemple.org"


@functools.cache
def _load_siret_rule():
    """directory/siret.py, the project's SIRET rule, loaded by path: it is plain Python, Django is not needed."""
    spec = importlib.util.spec_from_file_location("guichet_siret", SIRET_RULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def siret_ok(siret: str) -> bool:
    return _load_siret_rule().siret_fault(siret) is None


def split_list(value: str) -> list[str]:
    return [p.strip() for p in value.split("|")] if value.strip() else []


class Cog:
    def __init__(self, data_dir: Path):
        def load(name):
            with open(data_dir / name, encoding="utf-8") as fh:
                return json.load(fh)

        self.communes = {c["code"]: c for c in load("communes.json") if c.get("type") == "commune-actuelle"}
        self.epcis = {e["code"]: e for e in load("epci.json")}
        self.departements = {d["code"]: d for d in load("departements.json")}
        self.regions = {r["code"]: r for r in load("regions.json")}
        self.commune_epci = {}
        for e in self.epcis.values():
            for m in e.get("membres", []):
                self.commune_epci[m["code"]] = e["code"]

    def region_of_commune(self, code: str) -> str | None:
        c = self.communes.get(code)
        return c["region"] if c else None

    def departements_of(self, cov: str) -> set[str]:
        """Départements a local (commune, EPCI or département) coverage code touches."""
        kind, _, code = cov.partition("-")
        if kind == "COM" and code in self.communes:
            return {self.communes[code]["departement"]}
        if kind == "EPCI" and code in self.epcis:
            return {
                self.communes[m["code"]]["departement"]
                for m in self.epcis[code].get("membres", [])
                if m["code"] in self.communes
            }
        if kind == "DEP" and code in self.departements:
            return {code}
        return set()

    def check_coverage(self, cov: str) -> str | None:
        if cov == "FR":
            return None
        kind, sep, code = cov.partition("-")
        if not sep:
            return f"coverage code {cov!r} is not of the form KIND-CODE or FR"
        table = {
            "COM": self.communes,
            "EPCI": self.epcis,
            "DEP": self.departements,
            "REG": self.regions,
        }.get(kind)
        if table is None:
            return f"coverage code {cov!r}: unknown kind {kind!r} (COM, EPCI, DEP, REG, FR)"
        if code not in table:
            what = {"COM": "current commune", "EPCI": "EPCI SIREN", "DEP": "département", "REG": "région"}[kind]
            return f"coverage code {cov!r}: {code!r} is not a known {what} in the COG"
        return None


def parse_date(value: str) -> dt.date | None:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cog_dir", nargs="?", default="/tmp/cog/package/data", help="COG data directory (default: %(default)s)"
    )
    parser.add_argument(
        "--csv",
        default=str(PROJECT_ROOT / "fixtures/demo/directory.csv"),
        help="CSV file to check (default: %(default)s)",
    )
    parser.add_argument(
        "--today", default=dt.date.today().isoformat(), help="reference date for calls for projects (default: today)"
    )
    args = parser.parse_args(argv)

    cog = Cog(Path(args.cog_dir))
    today = parse_date(args.today)
    if today is None:
        parser.error("--today must be YYYY-MM-DD")

    problems: list[str] = []
    warnings: list[str] = []

    def problem(line: int, msg: str) -> None:
        problems.append(f"line {line}: {msg}")

    def warn(line: int, msg: str) -> None:
        warnings.append(f"line {line}: {msg}")

    with open(args.csv, encoding="utf-8", newline="") as fh:
        raw = fh.read()
    if raw.startswith("\ufeff"):
        problems.append("line 1: file starts with a byte-order mark")
        raw = raw[1:]
    reader = csv.reader(raw.splitlines(keepends=True))
    rows = list(reader)
    if not rows:
        print("PROBLEM: empty file")
        return 1
    header = rows[0]
    if header != HEADER:
        problems.append(f"line 1: header differs from the expected one.\n  got:      {header}\n  expected: {HEADER}")

    structures: dict[tuple, dict] = {}  # key -> structure_* values
    structure_first_line: dict[tuple, int] = {}
    refs_by_structure: dict[tuple, set] = defaultdict(set)
    offers = 0
    counts = {
        k: Counter()
        for k in (
            "stage",
            "need",
            "type",
            "level",
            "instrument",
            "fee",
            "mode",
            "legal_form",
            "role",
            "network",
            "coverage_kind",
            "offer_region",
            "call_status",
        )
    }
    local_offers_by_dep: Counter = Counter()

    for line_no, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            problem(line_no, "empty line")
            continue
        if len(values) != len(HEADER):
            problem(line_no, f"{len(values)} fields instead of {len(HEADER)}")
            continue
        row = dict(zip(HEADER, values, strict=True))
        for k, v in row.items():
            if v != v.strip():
                problem(line_no, f"{k}: leading or trailing whitespace")
        offers += 1

        # ---- structure -------------------------------------------------
        name = row["structure_name"].strip()
        commune = row["structure_commune"].strip()
        siret = row["structure_siret"].strip()
        if not name:
            problem(line_no, "structure_name is empty")
        if siret and not siret_ok(siret):
            problem(line_no, f"structure_siret {siret!r} is not a valid SIRET (14 digits, Luhn)")
        key = ("siret", siret) if siret else ("name", name.casefold(), commune)
        svals = {k: row[k] for k in STRUCTURE_FIELDS}
        new_structure = key not in structures
        if new_structure:
            structures[key] = svals
            structure_first_line[key] = line_no
        else:
            for k in STRUCTURE_FIELDS:
                if structures[key][k] != svals[k]:
                    problem(
                        line_no,
                        f"structure {name!r}: {k} is {svals[k]!r} here but "
                        f"{structures[key][k]!r} on line {structure_first_line[key]}",
                    )

        if new_structure:
            roles = split_list(row["structure_roles"])
            if not roles:
                problem(line_no, "structure_roles is empty")
            for r in roles:
                if r not in ROLES:
                    problem(line_no, f"structure_roles: unknown role {r!r}")
                counts["role"][r] += 1
            if len(set(roles)) != len(roles):
                problem(line_no, "structure_roles: duplicate value")
            lf = row["structure_legal_form"]
            if lf not in LEGAL_FORMS:
                problem(line_no, f"structure_legal_form: unknown legal form {lf!r}")
            counts["legal_form"][lf] += 1
            if not INSEE_RE.match(commune):
                problem(line_no, f"structure_commune {commune!r} is not a 5-character INSEE code")
            elif commune not in cog.communes:
                problem(
                    line_no,
                    f"structure_commune {commune!r} is not a current commune "
                    "(postal code? former commune? Paris/Lyon/Marseille arrondissement?)",
                )
            net = row["structure_network"]
            if net and net not in NETWORKS:
                problem(line_no, f"structure_network: unknown network {net!r}")
            counts["network"][net or "(none)"] += 1
            web = row["structure_website"]
            if web and not re.match(rf"^https://{re.escape(FICTITIOUS_DOMAIN)}(/|$)", web):
                problem(line_no, f"structure_website {web!r} is not a fictitious https://{FICTITIOUS_DOMAIN}/... URL")
            mail = row["structure_email"]
            if mail and (not EMAIL_RE.match(mail) or not mail.endswith("@" + FICTITIOUS_DOMAIN)):
                problem(line_no, f"structure_email {mail!r} is not a fictitious @{FICTITIOUS_DOMAIN} address")
            phone = row["structure_phone"]
            if phone:
                if not PHONE_RE.match(phone):
                    problem(line_no, f"structure_phone {phone!r} is not of the form '05 00 00 00 00'")
                elif set(phone[2:].replace(" ", "")) != {"0"}:
                    problem(line_no, f"structure_phone {phone!r} is not a fictitious all-zero number")
            addr = row["structure_address"]
            if re.match(r"^\s*\d+\s*(bis|ter)?\b", addr):
                warn(line_no, f"structure_address {addr!r} starts with a street number")
            lat_s, lon_s = row["structure_latitude"], row["structure_longitude"]
            if bool(lat_s) != bool(lon_s):
                problem(line_no, "latitude and longitude must both be given or both be empty")
            elif lat_s:
                try:
                    lat, lon = float(lat_s), float(lon_s)
                except ValueError:
                    problem(line_no, f"latitude/longitude {lat_s!r}/{lon_s!r} are not decimal numbers")
                else:
                    if not (LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX):
                        problem(line_no, f"latitude/longitude {lat}/{lon} outside metropolitan France")
                    c = cog.communes.get(commune)
                    if c and c.get("zone") not in (None, "metro"):
                        problem(
                            line_no,
                            f"commune {commune} is overseas but the coordinates "
                            "are checked against the metropolitan box",
                        )

        # ---- offer -----------------------------------------------------
        ref = row["offer_ref"]
        if not REF_RE.match(ref):
            problem(line_no, f"offer_ref {ref!r} must be a short lowercase id (a-z, 0-9, -)")
        if ref in refs_by_structure[key]:
            problem(line_no, f"offer_ref {ref!r} used twice for structure {name!r}")
        refs_by_structure[key].add(ref)
        if not row["offer_title"].strip():
            problem(line_no, "offer_title is empty")
        otype = row["offer_type"]
        if otype not in OFFER_TYPES:
            problem(line_no, f"offer_type: unknown type {otype!r}")
        counts["type"][otype] += 1

        stages = split_list(row["stages"])
        if not stages:
            problem(line_no, "stages: at least one stage is required")
        for s in stages:
            if s not in STAGES:
                problem(line_no, f"stages: unknown stage {s!r}")
            counts["stage"][s] += 1
        if len(set(stages)) != len(stages):
            problem(line_no, "stages: duplicate value")
        needs = split_list(row["needs"])
        for n in needs:
            if n not in NEEDS:
                problem(line_no, f"needs: unknown need {n!r}")
            counts["need"][n] += 1
        if len(set(needs)) != len(needs):
            problem(line_no, "needs: duplicate value")

        level = row["support_level"]
        if level not in LEVELS:
            problem(line_no, f"support_level {level!r} must be 1, 2 or 3")
        counts["level"][level] += 1

        coverage = split_list(row["coverage"])
        if not coverage:
            problem(line_no, "coverage: at least one territory is required")
        if len(set(coverage)) != len(coverage):
            problem(line_no, "coverage: duplicate value")
        offer_regions = set()
        local_deps = set()
        for cov in coverage:
            err = cog.check_coverage(cov)
            if err:
                problem(line_no, err)
                continue
            kind = cov.partition("-")[0]
            counts["coverage_kind"][kind] += 1
            if kind == "REG":
                offer_regions.add(cov[4:])
            elif kind == "FR":
                offer_regions.add("FR")
            else:
                deps = cog.departements_of(cov)
                local_deps |= deps
                offer_regions |= {cog.departements[d]["region"] for d in deps}
        for d in local_deps:
            local_offers_by_dep[d] += 1
        for r in offer_regions:
            counts["offer_region"][r] += 1

        for lf in split_list(row["eligible_legal_forms"]):
            if lf not in LEGAL_FORMS:
                problem(line_no, f"eligible_legal_forms: unknown legal form {lf!r}")

        instrument = row["instrument"]
        if instrument:
            if instrument not in INSTRUMENTS:
                problem(line_no, f"instrument: unknown instrument {instrument!r}")
            if otype != "financement":
                problem(
                    line_no, f"instrument {instrument!r} given for a {otype!r} offer (only financement offers have one)"
                )
            counts["instrument"][instrument] += 1
        elif otype == "financement":
            warn(line_no, "financement offer without instrument")

        amounts = {}
        for k in ("amount_min", "amount_max"):
            v = row[k]
            if v:
                if not re.fullmatch(r"\d+", v):
                    problem(line_no, f"{k} {v!r} is not a non-negative integer (euros)")
                else:
                    amounts[k] = int(v)
        if len(amounts) == 2 and amounts["amount_min"] > amounts["amount_max"]:
            problem(line_no, f"amount_min {amounts['amount_min']} > amount_max {amounts['amount_max']}")
        if amounts and otype != "financement":
            warn(line_no, f"amounts given for a {otype!r} offer")

        dates = {}
        for k in ("opens_on", "closes_on"):
            v = row[k]
            if v:
                d = parse_date(v)
                if d is None:
                    problem(line_no, f"{k} {v!r} is not a valid ISO date YYYY-MM-DD")
                else:
                    dates[k] = d
        if len(dates) == 2 and dates["opens_on"] > dates["closes_on"]:
            problem(line_no, f"opens_on {dates['opens_on']} is after closes_on {dates['closes_on']}")
        if dates:
            if "closes_on" in dates and dates["closes_on"] < today:
                counts["call_status"]["closed"] += 1
            elif "opens_on" in dates and dates["opens_on"] > today:
                counts["call_status"]["not yet open"] += 1
            else:
                counts["call_status"]["open"] += 1

        fee = row["fee"]
        if fee and fee not in FEES:
            problem(line_no, f"fee: unknown fee {fee!r}")
        counts["fee"][fee or "(empty)"] += 1
        modes = split_list(row["modes"])
        for m in modes:
            if m not in MODES:
                problem(line_no, f"modes: unknown mode {m!r}")
            counts["mode"][m] += 1
        url = row["offer_url"]
        if url and not re.match(rf"^https://{re.escape(FICTITIOUS_DOMAIN)}(/|$)", url):
            problem(line_no, f"offer_url {url!r} is not a fictitious https://{FICTITIOUS_DOMAIN}/... URL")
        mail = row["offer_email"]
        if mail and (not EMAIL_RE.match(mail) or not mail.endswith("@" + FICTITIOUS_DOMAIN)):
            problem(line_no, f"offer_email {mail!r} is not a fictitious @{FICTITIOUS_DOMAIN} address")

    # ---- structure-level cross checks ---------------------------------
    by_name_commune = defaultdict(list)
    for key, s in structures.items():
        by_name_commune[(s["structure_name"].casefold(), s["structure_commune"])].append(key)
    for (nm, com), keys in by_name_commune.items():
        if len(keys) > 1:
            problems.append(f"structures {nm!r} in {com}: several structures share a name and a commune")
    communes_by_name = defaultdict(set)
    for s in structures.values():
        communes_by_name[s["structure_name"].casefold()].add(s["structure_commune"])
    for nm, coms in sorted(communes_by_name.items()):
        if len(coms) > 1:
            warnings.append(
                f"structure name {nm!r} appears in several communes "
                f"({', '.join(sorted(coms))}): one structure or several?"
            )

    structures_by_region = Counter()
    structures_by_dep = Counter()
    for s in structures.values():
        c = cog.communes.get(s["structure_commune"])
        structures_by_region[c["region"] if c else "?"] += 1
        structures_by_dep[c["departement"] if c else "?"] += 1

    # ---- report --------------------------------------------------------
    def region_name(code):
        if code == "FR":
            return "FR (national)"
        r = cog.regions.get(code)
        return f"{code} {r['nom']}" if r else code

    def show(title, counter, order=None):
        print(f"\n{title}:")
        keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], k))
        for k in keys:
            print(f"  {k:<28} {counter.get(k, 0)}")

    print(f"CSV: {args.csv}")
    print(f"COG: {args.cog_dir} ({len(cog.communes)} communes, {len(cog.epcis)} EPCI)")
    print(f"structures: {len(structures)}")
    print(f"offers:     {offers}")
    print("\nstructures per région (by the structure's commune):")
    for code, n in sorted(structures_by_region.items(), key=lambda kv: -kv[1]):
        print(f"  {region_name(code):<40} {n}")
    print("\noffers per région (an offer counts once for each région its coverage touches):")
    for code, n in sorted(counts["offer_region"].items(), key=lambda kv: -kv[1]):
        print(f"  {region_name(code):<40} {n}")
    show("offers per stage", counts["stage"], STAGES)
    show("offers per need", counts["need"], NEEDS)
    show("offers per type", counts["type"], OFFER_TYPES)
    show("offers per support level", counts["level"], LEVELS)
    show("offers per instrument", counts["instrument"], INSTRUMENTS)
    show("offers per fee", counts["fee"])
    show("offers per mode", counts["mode"], MODES)
    show("coverage codes per kind", counts["coverage_kind"], ["COM", "EPCI", "DEP", "REG", "FR"])
    show(f"calls for projects (reference date {today})", counts["call_status"], ["open", "not yet open", "closed"])
    show("structures per legal form", counts["legal_form"])
    show("structures per role", counts["role"], ROLES)
    show("structures per network", counts["network"])

    # Régions with at least one regional or local offer (structures that only serve
    # FR, e.g. national networks in Paris, do not bring their région in).
    regions_seen = sorted(r for r in counts["offer_region"] if r in cog.regions)
    print("\nlocal offers (commune, EPCI or département coverage) per département of the régions served:")
    for reg in regions_seen:
        deps = sorted(d for d, v in cog.departements.items() if v["region"] == reg)
        print(f"  {region_name(reg)}")
        for d in deps:
            n = local_offers_by_dep.get(d, 0)
            flag = "   <- no local offer" if n == 0 else ("   <- thin" if n <= 2 else "")
            print(
                f"    {d} {cog.departements[d]['nom']:<28} structures {structures_by_dep.get(d, 0):>2}"
                f"  local offers {n:>3}{flag}"
            )

    unused = {
        "stages": [s for s in STAGES if not counts["stage"][s]],
        "needs": [n for n in NEEDS if not counts["need"][n]],
        "offer types": [t for t in OFFER_TYPES if not counts["type"][t]],
        "support levels": [lv for lv in LEVELS if not counts["level"][lv]],
        "instruments": [i for i in INSTRUMENTS if not counts["instrument"][i]],
        "fees": [f for f in FEES if not counts["fee"][f]],
        "modes": [m for m in MODES if not counts["mode"][m]],
    }
    for what, missing in unused.items():
        if missing:
            warnings.append(f"vocabulary not used by any offer ({what}): {', '.join(missing)}")

    print(f"\nwarnings: {len(warnings)}")
    for w in warnings:
        print(f"  WARNING {w}")
    print(f"problems: {len(problems)}")
    for p in problems:
        print(f"  PROBLEM {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
