"""Validators for French identifiers (the rule itself: directory/siret.py)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from directory.opening_hours import error as opening_hours_error
from directory.siret import siret_fault


def siret_error(value: str) -> str | None:
    """Return a French explanation of why the SIRET is invalid, or None when it is valid."""
    fault = siret_fault(value)
    if fault == "format":
        return _("Le SIRET « %(value)s » doit comporter exactement 14 chiffres.") % {"value": value}
    if fault == "la_poste":
        return _("Le SIRET « %(value)s » n'est pas un SIRET valide de La Poste.") % {"value": value}
    if fault == "siren_key":
        return _("Le SIREN « %(siren)s » du SIRET « %(value)s » est invalide (clé de contrôle).") % {
            "siren": value[:9],
            "value": value,
        }
    if fault == "siret_key":
        return _("Le SIRET « %(value)s » est invalide (clé de contrôle).") % {"value": value}
    return None


def validate_siret(value: str) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")


def validate_opening_hours(value: str) -> None:
    """OpenStreetMap `opening_hours` syntax (directory/opening_hours.py); the French error names the value."""
    message = opening_hours_error(value)
    if message:
        raise ValidationError(message, code="invalid_opening_hours")


def validate_origin(value: str) -> None:
    """An origin as browsers compare it: https://host[:port], nothing after."""
    scheme, _sep, rest = value.partition("://")
    if scheme not in ("https", "http") or not rest or "/" in rest or " " in rest or "'" in rest or ";" in rest:
        raise ValidationError(_("Indiquez une origine de la forme https://www.mairie-exemple.fr (sans chemin)."))
