"""Form pieces shared by every page that asks for a place."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from directory.models import Territory, TerritoryKind
from directory.text import normalize


class TerritoryField(forms.CharField):
    """A territory typed by a person: an INSEE code, a postal code, a coverage code or a name.

    The cleaned value is a Territory. Ambiguous input ("Saint-Martin") is an error listing the candidates,
    so the person can pick one; the autocomplete fills in the unambiguous form « Nom (département) ».
    """

    default_error_messages = {
        "unknown": _("Nous ne trouvons pas « %(value)s ». Tapez le nom de la commune ou son code postal."),
        "ambiguous": _("« %(value)s » désigne plusieurs territoires : %(candidates)s. Précisez le département."),
    }

    def __init__(self, *, kinds=(TerritoryKind.COMMUNE,), **kwargs):
        self.kinds = list(kinds)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "200")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, Territory):
            return territory_label(value)
        return value

    def to_python(self, value):
        text = super().to_python(value).strip()[:200]
        if not text:
            return None
        if "\x00" in text:
            # Looked up before the validators run, and PostgreSQL refuses NUL: refuse it first, as CharField would.
            raise ValidationError(ProhibitNullCharactersValidator.message, code="null_characters_not_allowed")
        candidates = resolve_territory(text, self.kinds)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": text})
        raise forms.ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={"value": text, "candidates": ", ".join(territory_label(t) for t in candidates[:6])},
        )


def territory_label(territory: Territory) -> str:
    """« Faux-la-Montagne (23) », « Creuse (département) »: what the autocomplete shows and the field reads."""
    if territory.kind == TerritoryKind.COMMUNE:
        return f"{territory.name} ({territory.departement.code})" if territory.departement_id else territory.name
    if territory.kind == TerritoryKind.COUNTRY:
        return territory.name
    return f"{territory.name} ({territory.get_kind_display().lower()})"


def resolve_territory(text: str, kinds) -> list[Territory]:
    """Territories the text designates, most likely first (at most a few)."""
    queryset = Territory.objects.filter(kind__in=kinds, is_active=True).select_related("departement")
    text = text.strip()
    upper = text.upper()
    if upper == "FR" or upper.split("-", 1)[0] in TerritoryKind.values and "-" in upper:
        return list(queryset.filter(key=upper))
    if text.isdigit() or (len(text) == 5 and text[:2].upper() in {"2A", "2B"}):
        by_code = list(queryset.filter(code=upper))
        if by_code:
            return by_code
        return list(queryset.filter(postal_codes__code=text).distinct().order_by("-population")[:10])
    name, _sep, qualifier = text.partition("(")
    qualifier = qualifier.rstrip(")").strip()
    matches = list(queryset.filter(search_name=normalize(name)).order_by("kind_rank", "-population")[:10])
    if qualifier:
        # « Nom (23) » for a commune, « Nom (département) » for a larger territory.
        matches = [
            t
            for t in matches
            if (t.departement_id and t.departement.code == qualifier.upper())
            or normalize(t.get_kind_display()).startswith(normalize(qualifier))
            or normalize(territory_label(t)) == normalize(text)
        ]
    return matches
