import gzip
import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from directory.models import PostalCode, ReferentialVersion, Territory, TerritoryKind, TerritoryLink
from directory.services.territories import load_territories, read_commune_codes, zone_create_or_update

pytestmark = pytest.mark.django_db


def test_the_whole_cog_is_loaded():
    fixture = json.load(gzip.open(settings.TERRITORIES_FIXTURE))
    counts = {kind: Territory.objects.filter(kind=kind).count() for kind in TerritoryKind.values}
    assert counts["COM"] == len(fixture["communes"]) == 34969
    assert counts["EPCI"] == len(fixture["epcis"]) == 1255
    assert counts["DEP"] == len(fixture["departements"])
    assert counts["REG"] == len(fixture["regions"])
    assert counts["FR"] == 1


def test_faux_la_montagne_knows_all_its_ancestors(territory):
    faux = territory("COM-23077")
    assert faux.name == "Faux-la-Montagne"
    ancestors = {t.key: t.name for t in faux.ancestors_and_self()}
    assert ancestors == {
        "COM-23077": "Faux-la-Montagne",
        "EPCI-200044014": "CC Creuse Grand Sud",
        "DEP-23": "Creuse",
        "REG-75": "Nouvelle-Aquitaine",
        "FR": "France",
    }
    assert (faux.epci.name, faux.departement.name, faux.region.name) == (
        "CC Creuse Grand Sud",
        "Creuse",
        "Nouvelle-Aquitaine",
    )


def test_ancestors_are_one_query(territory, django_assert_num_queries):
    faux = territory("COM-23077")
    with django_assert_num_queries(1):
        list(faux.ancestors_and_self())


def test_an_epci_straddling_two_departements_lies_in_both():
    straddling = (
        Territory.objects.filter(kind=TerritoryKind.EPCI)
        .filter(ancestor_links__ancestor__kind=TerritoryKind.DEPARTEMENT)
        .values("pk")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("ancestor_links"))
        .filter(n__gte=5)  # self, two départements, at least one région, FR
    )
    assert straddling.exists()


def test_island_commune_without_epci_still_reaches_its_departement(territory):
    sein = territory("COM-29083")  # Île-de-Sein belongs to no EPCI
    assert sein.epci is None
    assert {t.key for t in sein.ancestors_and_self()} == {"COM-29083", "DEP-29", "REG-53", "FR"}


@pytest.mark.parametrize(
    ("postal_code", "expected"),
    [("23340", "Faux-la-Montagne"), ("79000", "Niort"), ("75011", "Paris")],
)
def test_postal_code_lookup(postal_code, expected):
    names = [t.name for t in Territory.objects.search(postal_code)]
    assert expected in names


def test_postal_code_prefix_finds_several_communes():
    results = list(Territory.objects.search("233"))
    assert len(results) > 5
    assert all(t.postal_codes.filter(code__startswith="233").exists() for t in results)


def test_name_search_ignores_accents_and_case():
    names = [t.name for t in Territory.objects.search("peri")]
    assert "Périgueux" in names
    assert Territory.objects.search("nouvelle aqui")[0].key == "REG-75"


def test_reloading_an_unchanged_file_is_skipped_and_a_forced_reload_changes_nothing():
    links = TerritoryLink.objects.count()
    assert load_territories(settings.TERRITORIES_FIXTURE).skipped
    report = load_territories(settings.TERRITORIES_FIXTURE, force=True)
    assert (report.created, report.updated, report.links, report.postal_codes) == (0, 0, 0, 0)
    assert TerritoryLink.objects.count() == links


def test_refresh_reattaches_a_commune_and_deactivates_a_vanished_one(tmp_path, territory):
    fixture = json.load(gzip.open(settings.TERRITORIES_FIXTURE))
    # Simulate next year's COG: Faux-la-Montagne moves to another EPCI, Gentioux-Pigerolles disappears.
    other_epci = territory("COM-23001").epci.code
    for row in fixture["communes"]:
        if row[0] == "23077":
            row[3] = other_epci
            row[5] = ["23341"]
    fixture["communes"] = [row for row in fixture["communes"] if row[0] != "23090"]
    path = tmp_path / "cog.json.gz"
    path.write_bytes(gzip.compress(json.dumps(fixture).encode()))
    report = load_territories(path)
    assert report.deactivated == 1 and not territory("COM-23090").is_active
    faux = territory("COM-23077")
    assert f"EPCI-{other_epci}" in {t.key for t in faux.ancestors_and_self()}
    assert "EPCI-200044014" not in {t.key for t in faux.ancestors_and_self()}
    assert list(PostalCode.objects.filter(commune=faux).values_list("code", flat=True)) == ["23341"]
    assert ReferentialVersion.objects.get(name="cog").checksum != ""


def test_load_territories_command_reports_when_up_to_date(capsys):
    call_command("load_territories")
    assert "déjà à jour" in capsys.readouterr().out


def test_custom_zone_from_csv_of_insee_codes(territory):
    codes = read_commune_codes("code_insee\n23077\n23090\n19164\n")
    zone = zone_create_or_update(name="Plateau de Millevaches (essai)", commune_codes=codes)
    assert zone.key == "ZONE-plateau-de-millevaches-essai"
    assert set(zone.descendants_and_self().values_list("key", flat=True)) == {
        zone.key,
        "COM-23077",
        "COM-23090",
        "COM-19164",
    }
    assert zone in territory("COM-19164").ancestors_and_self()


def test_custom_zone_with_unknown_code_names_it_and_writes_nothing():
    with pytest.raises(ValidationError) as error:
        zone_create_or_update(name="Zone fautive", commune_codes=["23077", "99999"])
    assert "99999" in error.value.messages[0]
    assert not Territory.objects.filter(key="ZONE-zone-fautive").exists()


def test_create_zone_command(tmp_path, territory):
    path = tmp_path / "frr.csv"
    path.write_text("23077;Faux-la-Montagne\n23090;Gentioux\n", encoding="utf-8")
    call_command("create_zone", "Communes FRR (essai)", str(path), "--slug", "frr-essai")
    assert territory("ZONE-frr-essai").descendant_links.count() == 3


def test_zones_survive_a_referential_refresh(territory):
    zone_create_or_update(name="Zone durable", commune_codes=["23077"])
    load_territories(settings.TERRITORIES_FIXTURE, force=True)
    assert territory("ZONE-zone-durable") in territory("COM-23077").ancestors_and_self()
