import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory import opening_hours
from directory.models import Permanence, Structure
from directory.services.importer import COLUMNS, ImportRejected, import_offers
from tests.directory.test_import import row, to_csv
from tests.factories import StructureFactory

TUESDAY_FIRST = datetime.datetime(2026, 12, 1, 8, 0)  # the first Tuesday of December 2026
WEDNESDAY = datetime.datetime(2026, 12, 2, 8, 0)


def test_the_day_is_said_in_french():
    hours = "Mo-Fr 09:00-12:00,14:00-17:30; Tu[1] 09:00-12:00"
    assert opening_hours.today_text(hours, WEDNESDAY) == "Ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h 30"
    assert opening_hours.today_text("Tu[1] 09:00-12:00", TUESDAY_FIRST) == "Ouvert aujourd'hui de 9 h à 12 h"
    assert opening_hours.today_text("Tu[1] 09:00-12:00", WEDNESDAY) == "Fermé aujourd'hui"
    week = opening_hours.week_lines("Tu[1] 09:00-12:00", TUESDAY_FIRST)
    assert week[0] == ("mardi 1er", "de 9 h à 12 h") and week[1] == ("mercredi 2", "fermé") and len(week) == 7


def test_free_text_is_refused_with_a_french_error_naming_it_but_not_read_as_hours():
    assert opening_hours.error("Mo-Sa 10:00-18:00") is None and opening_hours.error("") is None
    message = opening_hours.error("du lundi au vendredi 9h-17h")
    assert "« du lundi au vendredi 9h-17h »" in message and "OpenStreetMap" in message
    assert opening_hours.today_text("du lundi au vendredi 9h-17h", WEDNESDAY) == ""


@pytest.mark.django_db
def test_a_structure_with_malformed_hours_does_not_validate():
    structure = StructureFactory.build(opening_hours="9h-17h tous les jours")
    with pytest.raises(ValidationError) as raised:
        structure.full_clean(exclude=["region"])
    assert "« 9h-17h tous les jours »" in str(raised.value.message_dict["opening_hours"])


@pytest.mark.django_db
def test_a_page_says_whether_the_place_is_open_today(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    structure = StructureFactory(opening_hours="We 09:00-12:00")
    html = client.get(reverse("directory:structure_detail", args=[structure.pk])).content.decode()
    assert "Ouvert aujourd&#x27;hui de 9 h à 12 h" in html


# Import -----------------------------------------------------------------------------------------------------

PERMANENCE_HEADER = ["host_siret", "place_siret", "schedule", "opening_hours", "offer_ref", "note"]
HOST_SIRET, PLACE_SIRET = "73282932000074", "35600000000048"


@pytest.fixture
def host_and_place(db):
    host = StructureFactory(name="BGE Limousin", siret=HOST_SIRET)
    place = StructureFactory(
        name="Tiers-lieu La Quincaillerie", siret=PLACE_SIRET, role_support=False, role_third_place=True
    )
    return host, place


def permanence_row(**values):
    base = {
        "host_siret": HOST_SIRET,
        "place_siret": PLACE_SIRET,
        "schedule": "le 1er mardi du mois, de 9 h à 12 h",
        "opening_hours": "Tu[1] 09:00-12:00",
    }
    return base | values


@pytest.mark.django_db
def test_the_importer_takes_a_file_of_permanences_and_reimporting_it_changes_nothing(host_and_place):
    host, place = host_and_place
    text = to_csv(permanence_row(), columns=PERMANENCE_HEADER)
    preview = import_offers(text, dry_run=True)
    assert preview.permanences_created == 1 and not Permanence.objects.exists()
    report = import_offers(text)
    assert report.permanences_created == 1
    permanence = Permanence.objects.get()
    assert (permanence.host, permanence.place, permanence.opening_hours) == (host, place, "Tu[1] 09:00-12:00")
    again = import_offers(text)
    assert (again.permanences_created, again.permanences_unchanged) == (0, 1)
    changed = import_offers(to_csv(permanence_row(opening_hours="Tu[1] 14:00-17:00"), columns=PERMANENCE_HEADER))
    assert changed.permanences_updated == 1
    assert changed.changes[0]["diff"] == [
        {"field": "opening_hours", "old": "Tu[1] 09:00-12:00", "new": "Tu[1] 14:00-17:00"}
    ]


@pytest.mark.django_db
def test_a_bad_permanence_line_is_explained_in_french_and_nothing_is_written(host_and_place):
    text = to_csv(
        permanence_row(),
        permanence_row(host_siret="38012986646850", opening_hours="mardi matin"),
        permanence_row(place_siret=HOST_SIRET, schedule=""),
        columns=PERMANENCE_HEADER,
    )
    with pytest.raises(ImportRejected) as raised:
        import_offers(text)
    errors = {error.line: " ; ".join(error.messages) for error in raised.value.errors}
    assert set(errors) == {3, 4}
    assert "aucune structure de SIRET « 38012986646850 »" in errors[3]
    assert "Horaires d'ouverture invalides : « mardi matin »" in errors[3]
    assert "n'est pas un tiers-lieu" in errors[4] and "« schedule » est obligatoire" in errors[4]
    assert not Permanence.objects.exists()


@pytest.mark.django_db
def test_the_offer_file_may_carry_the_structures_opening_hours_checked_line_by_line():
    columns = [*COLUMNS, "structure_opening_hours"]
    import_offers(to_csv(row(structure_opening_hours="Mo-Fr 09:00-17:00"), columns=columns))

    assert Structure.objects.get().opening_hours == "Mo-Fr 09:00-17:00"
    import_offers(to_csv(row(), columns=COLUMNS))  # a file without the column keeps them
    assert Structure.objects.get().opening_hours == "Mo-Fr 09:00-17:00"
    with pytest.raises(ImportRejected) as raised:
        import_offers(to_csv(row(structure_opening_hours="9h-17h"), columns=columns))
    assert raised.value.errors[0].line == 2
    assert "« 9h-17h »" in " ".join(raised.value.errors[0].messages)
