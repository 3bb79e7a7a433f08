import pytest
from django.core.exceptions import ValidationError

from directory.validators import siret_error, validate_siret


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # a valid Luhn SIRET
        "35600000000048",  # La Poste head office
        "35600000049837",  # a La Poste establishment: fails Luhn, digits sum to a multiple of 5
    ],
)
def test_valid_sirets(siret):
    assert siret_error(siret) is None
    validate_siret(siret)


@pytest.mark.parametrize(
    ("siret", "fragment"),
    [
        ("7328293200007", "14 chiffres"),
        ("7328293200007A", "14 chiffres"),
        ("73282932000075", "clé de contrôle"),
        ("73282933000074", "SIREN"),
        ("35600000049838", "La Poste"),
    ],
)
def test_invalid_sirets_are_explained_in_french(siret, fragment):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert fragment in error.value.messages[0]
    assert siret in error.value.messages[0]
