import csv
import io

import pytest
from django.core.management import CommandError, call_command

from directory.models import Offer, PublicationStatus, Structure
from directory.services.importer import COLUMNS, ImportRejected, import_offers

pytestmark = pytest.mark.django_db


def row(**values):
    base = {
        "structure_siret": "73282932000074",
        "structure_name": "Coopérative d'essai",
        "structure_roles": "support|financer",
        "structure_legal_form": "scic",
        "structure_commune": "23077",
        "structure_network": "france-active",
        "structure_latitude": "45.75",
        "structure_longitude": "1.93",
        "offer_ref": "acc-1",
        "offer_title": "Accompagnement à l'émergence",
        "offer_type": "accompagnement",
        "stages": "emergence|amorcage",
        "needs": "definition-projet|statut-juridique",
        "support_level": "2",
        "coverage": "EPCI-200044014|DEP-19",
        "fee": "gratuit",
        "modes": "presentiel|distance",
    }
    base.update(values)
    return base


def to_csv(*rows, columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for values in rows:
        writer.writerow(values)
    return buffer.getvalue()


def test_import_creates_structures_and_offers_with_relations():
    text = to_csv(
        row(),
        row(
            offer_ref="pret-1",
            offer_title="Prêt solidaire",
            offer_type="financement",
            instrument="pret-solidaire",
            amount_min="5000",
            amount_max="30000",
            stages="creation",
            needs="financement",
            coverage="REG-75",
        ),
        row(
            structure_siret="",
            structure_name="Tiers-lieu du Plateau",
            structure_roles="third_place",
            structure_legal_form="association",
            structure_network="",
            offer_ref="lieu",
            offer_title="Coworking",
            offer_type="lieu",
            coverage="COM-23077",
        ),
    )
    report = import_offers(text)
    assert (report.structures_created, report.offers_created) == (2, 3)
    coop = Structure.objects.get(siret="73282932000074")
    assert coop.roles == ["support", "financer"] and coop.region.key == "REG-75"
    assert coop.status == PublicationStatus.PUBLISHED and coop.last_verified_at is not None
    offer = Offer.objects.get(structure=coop, ref="acc-1")
    assert sorted(offer.stages.values_list("slug", flat=True)) == ["amorcage", "emergence"]
    assert sorted(offer.coverage.values_list("key", flat=True)) == ["DEP-19", "EPCI-200044014"]
    assert offer.modes == ["presentiel", "distance"] and offer.support_level == 2
    loan = Offer.objects.get(ref="pret-1")
    assert (loan.instrument.slug, loan.amount_min, loan.amount_max) == ("pret-solidaire", 5000, 30000)


def test_reimporting_the_same_file_changes_nothing():
    text = to_csv(row(), row(structure_siret="", structure_name="Sans SIRET", offer_ref="x"))
    import_offers(text)
    before = list(Offer.objects.values_list("pk", "updated_at", "last_verified_at").order_by("pk"))
    structures_before = list(Structure.objects.values_list("pk", "updated_at").order_by("pk"))
    report = import_offers(text)
    assert (
        report.structures_created,
        report.structures_updated,
        report.offers_created,
        report.offers_updated,
    ) == (
        0,
        0,
        0,
        0,
    )
    assert report.offers_unchanged == 2
    assert list(Offer.objects.values_list("pk", "updated_at", "last_verified_at").order_by("pk")) == before
    assert list(Structure.objects.values_list("pk", "updated_at").order_by("pk")) == structures_before


def test_structure_without_siret_is_matched_by_name_and_commune_ignoring_case_and_accents():
    import_offers(to_csv(row(structure_siret="", structure_name="Tiers-Lieu Élan")))
    report = import_offers(to_csv(row(structure_siret="", structure_name="tiers lieu elan", offer_ref="autre")))
    assert report.structures_created == 0 and Structure.objects.count() == 1
    assert Offer.objects.count() == 2


def test_changed_row_updates_the_offer_and_its_relations():
    import_offers(to_csv(row()))
    report = import_offers(to_csv(row(offer_title="Nouveau titre", stages="creation", coverage="FR")))
    assert report.offers_updated == 1
    offer = Offer.objects.get()
    assert offer.title == "Nouveau titre"
    assert list(offer.stages.values_list("slug", flat=True)) == ["creation"]
    assert list(offer.coverage.values_list("key", flat=True)) == ["FR"]
    assert report.changes[-1]["fields"] == ["coverage", "stages", "title"]


def test_status_option_and_dry_run_writes_nothing():
    report = import_offers(to_csv(row()), dry_run=True)
    assert report.offers_created == 1 and Offer.objects.count() == 0 and Structure.objects.count() == 0
    import_offers(to_csv(row()), status=PublicationStatus.PENDING)
    assert Offer.objects.get().status == PublicationStatus.PENDING


BAD_ROWS = [
    ({"stages": "emergence|idee"}, "étape inconnu(e) : « idee »"),
    ({"coverage": "DEP-23|EPCI-123"}, "territoire inconnu : « EPCI-123 »"),
    ({"structure_siret": "73282932000075"}, "clé de contrôle"),
    ({"opens_on": "15/03/2027"}, "date invalide « 15/03/2027 »"),
    (
        {"amount_min": "5000", "amount_max": "1000"},
        "montant minimum (amount_min, 5000) est supérieur au montant maximum (amount_max, 1000)",
    ),
    ({"offer_title": ""}, "« intitulé de l'offre (offer_title) » est obligatoire"),
    ({"structure_commune": "23340"}, "commune inconnue : « 23340 »"),
    ({"offer_type": "pret"}, "type d'offre inconnu(e) : « pret »"),
    ({"support_level": "4"}, "niveau d'accompagnement « 4 » invalide"),
    ({"needs": "argent"}, "besoin inconnu(e) : « argent »"),
    ({"eligible_legal_forms": "sarl"}, "forme juridique éligible inconnu(e) : « sarl »"),
    ({"instrument": "don"}, "outil de financement inconnu(e) : « don »"),
    ({"structure_roles": "banque"}, "rôle inconnu(e) : « banque »"),
    ({"fee": "cher"}, "coût inconnu(e) : « cher »"),
    ({"modes": "hybride"}, "modalité inconnu(e) : « hybride »"),
    ({"amount_min": "-5"}, "montant entier positif"),
    ({"structure_latitude": "north"}, "latitude (structure_latitude) : nombre attendu"),
    ({"structure_email": "pas-un-courriel"}, "courriel invalide"),
    ({"offer_url": "ftp://exemple.org"}, "adresse web invalide"),
    ({"opens_on": "2027-03-01", "closes_on": "2027-01-01"}, "précède sa date d'ouverture (opens_on)"),
    ({"structure_network": "inconnu"}, "réseau inconnu(e)"),
]


@pytest.mark.parametrize(("values", "message"), BAD_ROWS)
def test_each_error_class_rejects_the_whole_file_and_names_the_line(values, message):
    text = to_csv(row(offer_ref="good-1"), row(offer_ref="bad", **values), row(offer_ref="good-2"))
    with pytest.raises(ImportRejected) as rejected:
        import_offers(text)
    assert [error.line for error in rejected.value.errors] == [3]
    assert message in str(rejected.value.errors[0])
    assert Offer.objects.count() == 0 and Structure.objects.count() == 0


def test_every_bad_row_is_reported_at_once():
    text = to_csv(row(stages="x"), row(offer_ref="2"), row(offer_ref="3", coverage="DEP-999", fee="cher"))
    with pytest.raises(ImportRejected) as rejected:
        import_offers(text)
    assert [error.line for error in rejected.value.errors] == [2, 4]
    assert len(rejected.value.errors[1].messages) == 2


def test_inconsistent_structure_values_and_duplicate_refs_are_rejected():
    text = to_csv(row(), row(offer_ref="acc-1"), row(offer_ref="b", structure_phone="05 00 00 00 00"))
    with pytest.raises(ImportRejected) as rejected:
        import_offers(text)
    messages = {error.line: str(error) for error in rejected.value.errors}
    assert "offer_ref « acc-1 » déjà utilisé pour cette structure à la ligne 2" in messages[3]
    assert "diffèrent de la ligne 2 (phone)" in messages[4]


def test_header_problems_are_reported():
    with pytest.raises(ImportRejected) as rejected:
        import_offers("structure_name,offer_titel\nA,B\n")
    message = str(rejected.value.errors[0])
    assert "colonnes obligatoires absentes" in message and "offer_titel" in message
    with pytest.raises(ImportRejected):
        import_offers("")
    with pytest.raises(ImportRejected) as rejected:
        import_offers(to_csv())
    assert "aucune ligne" in str(rejected.value.errors[0])


def test_all_or_nothing_when_a_model_rule_fails_while_writing():
    # The title's length is checked by the model while writing: the first row was already saved by then,
    # and must be rolled back with the rest.
    text = to_csv(row(), row(offer_ref="long", offer_title="T" * 250))
    with pytest.raises(ImportRejected) as rejected:
        import_offers(text)
    assert rejected.value.errors[0].line == 3 and "200" in str(rejected.value.errors[0])
    assert Offer.objects.count() == 0 and Structure.objects.count() == 0


def test_command_prints_each_bad_row_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "offres.csv"
    path.write_text(to_csv(row(), row(offer_ref="2", stages="idee")), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_offers", str(path))
    assert "rien n'a été enregistré" in str(error.value)
    assert "Ligne 3 : étape inconnu(e) : « idee »" in capsys.readouterr().err
    assert Offer.objects.count() == 0


def test_command_dry_run_and_real_run(tmp_path, capsys):
    path = tmp_path / "offres.csv"
    path.write_text(to_csv(row()), encoding="utf-8")
    call_command("import_offers", str(path), "--dry-run")
    assert "Simulation" in capsys.readouterr().out and Offer.objects.count() == 0
    call_command("import_offers", str(path), "--status", "draft")
    assert Offer.objects.get().status == PublicationStatus.DRAFT


def test_command_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(to_csv(row(structure_name="Coopérative")).encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_offers", str(path))


def test_example_file_in_fixtures_imports_cleanly(settings):
    text = (settings.BASE_DIR / "fixtures" / "examples" / "offres-exemple.csv").read_text(encoding="utf-8")
    report = import_offers(text)
    assert report.offers_created >= 3


def test_a_field_over_the_csv_modules_limit_is_a_french_row_error():
    text = to_csv(row(offer_description="x" * 131_073))
    with pytest.raises(ImportRejected) as rejected:
        import_offers(text)
    assert "un champ dépasse 131072 caractères" in str(rejected.value)
