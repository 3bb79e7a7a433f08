"""Validators for French identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# La Poste's establishments share SIREN 356000000, so their SIRETs cannot all pass Luhn: INSEE's documented
# exception accepts them when their digits sum to a multiple of 5 (the head office also passes Luhn).
LA_POSTE_SIREN = "356000000"


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_error(value: str) -> str | None:
    """Return a French explanation of why the SIRET is invalid, or None when it is valid."""
    if len(value) != 14 or not value.isdigit():
        return _("Le SIRET « %(value)s » doit comporter exactement 14 chiffres.") % {"value": value}
    if value.startswith(LA_POSTE_SIREN):
        if not luhn_valid(value) and sum(int(c) for c in value) % 5 != 0:
            return _("Le SIRET « %(value)s » n'est pas un SIRET valide de La Poste.") % {"value": value}
        return None
    if not luhn_valid(value[:9]):
        return _("Le SIREN « %(siren)s » du SIRET « %(value)s » est invalide (clé de contrôle).") % {
            "siren": value[:9],
            "value": value,
        }
    if not luhn_valid(value):
        return _("Le SIRET « %(value)s » est invalide (clé de contrôle).") % {"value": value}
    return None


def validate_siret(value: str) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")
