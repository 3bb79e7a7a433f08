"""scripts/check_demo_csv.py reads the import columns and the vocabularies from the project, standard library only."""

import csv
import importlib.util
import json
import subprocess
import sys

import pytest
from django.conf import settings

from directory.models import Fee, Instrument, LegalForm, Mode, Network, OfferType, StructureRole
from directory.services.importer import COLUMNS
from directory.validators import siret_error
from support_chain.models import Need, Stage, SupportLevel

CHECKER = settings.BASE_DIR / "scripts" / "check_demo_csv.py"
DEMO_CSV = settings.BASE_DIR / "fixtures" / "demo" / "directory.csv"


def load_checker():
    spec = importlib.util.spec_from_file_location("check_demo_csv", CHECKER)
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return checker


def test_the_checker_reads_the_importers_columns_and_the_fixed_vocabularies():
    checker = load_checker()
    assert checker.HEADER == COLUMNS
    assert checker.ROLES == StructureRole.values
    assert checker.OFFER_TYPES == OfferType.values
    assert checker.FEES == Fee.values
    assert checker.MODES == Mode.values
    assert checker.LEVELS == [str(level) for level in SupportLevel.values]


@pytest.mark.parametrize(
    "siret",
    ["73282932000074", "35600000000048", "35600000049837", "12345678901234", "73282932000075", "7328293200007"],
)
def test_the_checker_judges_a_siret_as_the_importer_does(siret):
    """Both read directory/siret.py: a SIRET the import would refuse is never passed by the demo checker."""
    assert load_checker().siret_ok(siret) == (siret_error(siret) is None)


@pytest.mark.django_db
def test_the_checker_reads_the_vocabularies_the_tables_are_seeded_with():
    checker = load_checker()
    assert checker.STAGES == list(Stage.objects.order_by("position").values_list("slug", flat=True))
    for slugs, model in [
        (checker.NEEDS, Need),
        (checker.LEGAL_FORMS, LegalForm),
        (checker.INSTRUMENTS, Instrument),
        (checker.NETWORKS, Network),
    ]:
        assert set(slugs) == set(model.objects.values_list("slug", flat=True))


def test_the_demo_csv_has_the_import_columns():
    with DEMO_CSV.open(encoding="utf-8", newline="") as file:
        assert next(csv.reader(file)) == COLUMNS


def write_cog(directory):
    """A COG of one commune, its EPCI, département and région, in the npm package's format."""
    directory.mkdir()
    tables = {
        "communes.json": [
            {
                "code": "23077",
                "nom": "Faux-la-Montagne",
                "type": "commune-actuelle",
                "departement": "23",
                "region": "75",
                "zone": "metro",
            }
        ],
        "epci.json": [{"code": "200044014", "nom": "CC Creuse Grand Sud", "membres": [{"code": "23077"}]}],
        "departements.json": [{"code": "23", "nom": "Creuse", "region": "75"}],
        "regions.json": [{"code": "75", "nom": "Nouvelle-Aquitaine"}],
    }
    for name, rows in tables.items():
        (directory / name).write_text(json.dumps(rows), encoding="utf-8")


def run_checker(tmp_path, **values):
    write_cog(tmp_path / "cog")
    row = dict.fromkeys(COLUMNS, "") | {
        "structure_name": "Tiers-lieu d'essai",
        "structure_roles": "third_place|support",
        "structure_legal_form": "association",
        "structure_commune": "23077",
        "structure_network": "france-tiers-lieux",
        "structure_email": "essai@exemple.org",
        "structure_address": "Bourg",
        "structure_latitude": "45.7500",
        "structure_longitude": "1.9330",
        "offer_ref": "accueil",
        "offer_title": "Accueil des porteurs de projet",
        "offer_type": "lieu",
        "stages": "emergence|creation",
        "needs": "local-foncier",
        "support_level": "1",
        "coverage": "COM-23077|EPCI-200044014|DEP-23|REG-75|FR",
        "fee": "gratuit",
        "modes": "presentiel|distance",
    }
    file = tmp_path / "directory.csv"
    with file.open("w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(output, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row | values)
    # `-S`: no site-packages, so no Django; the checker must do with the standard library.
    command = [sys.executable, "-S", str(CHECKER), str(tmp_path / "cog"), "--csv", str(file), "--today", "2026-11-23"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_checker_runs_without_django_and_accepts_a_well_formed_row(tmp_path):
    result = run_checker(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems: 0" in result.stdout


def test_the_checker_rejects_a_value_outside_the_vocabularies(tmp_path):
    result = run_checker(tmp_path, structure_roles="pepiniere", stages="eclosion")
    assert result.returncode == 1
    assert "structure_roles: unknown role 'pepiniere'" in result.stdout
    assert "stages: unknown stage 'eclosion'" in result.stdout
