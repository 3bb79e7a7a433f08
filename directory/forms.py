"""Form pieces shared by every page that asks for a place."""

import re

from django import forms
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connections
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from directory.models import Territory, TerritoryKind
from directory.text import normalize


class TerritoryField(forms.CharField):
    """A territory typed by a person: an INSEE code, a postal code, a coverage code or a name.

    Forgiving: « 79000 Niort », « Niort 79 », « Niort (79) » and a name with one typo (« niortt ») all find
    Niort. The cleaned value is a Territory. Ambiguous input (« Saint-Martin », « 79000 ») is an error naming
    the candidates; `candidates` keeps them so the page offers each as a one-click choice.
    """

    default_error_messages = {
        "unknown": _("Nous ne trouvons pas « %(value)s ». Tapez le nom de la commune ou son code postal."),
        "ambiguous": _("« %(value)s » désigne plusieurs territoires : %(candidates)s. Précisez le département."),
        "postal_code": _(
            "Le code postal %(value)s est celui de plusieurs communes : %(candidates)s. Choisissez la vôtre."
        ),
        "same_departement": _("« %(value)s » désigne plusieurs communes : %(candidates)s. Choisissez la vôtre."),
        "departement_only": _(
            "« %(value)s » est un numéro de département : ajoutez le nom de la commune ou son code postal."
        ),
    }

    def __init__(self, *, kinds=(TerritoryKind.COMMUNE,), **kwargs):
        self.kinds = list(kinds)
        self.candidates = []
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "200")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, Territory):
            return territory_label(value)
        return value

    def to_python(self, value):
        text = super().to_python(value).strip()[:200]
        self.candidates = []
        if not text:
            return None
        if "\x00" in text:
            # Looked up before the validators run, and PostgreSQL refuses NUL: refuse it first, as CharField would.
            raise ValidationError(ProhibitNullCharactersValidator.message, code="null_characters_not_allowed")
        candidates = resolve_territory(text, self.kinds)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            code = "departement_only" if _is_departement_number(text) else "unknown"
            raise forms.ValidationError(self.error_messages[code], code=code, params={"value": text})
        self.candidates = [territory_label(t) for t in candidates[:6]]
        if text.isdigit() and len(text) == 5:
            code = "postal_code"
        elif len({t.departement_id for t in candidates}) == 1 and candidates[0].departement_id:
            code = "same_departement"
        else:
            code = "ambiguous"
        raise forms.ValidationError(
            self.error_messages[code],
            code=code,
            params={"value": text, "candidates": ", ".join(self.candidates)},
        )


def _is_departement_number(text: str) -> bool:
    return bool(DEPARTEMENT_NUMBER.fullmatch(text.strip()))


def territory_label(territory: Territory) -> str:
    """« Faux-la-Montagne (23) », « Creuse (département) »: what the autocomplete shows and the field reads."""
    if territory.kind == TerritoryKind.COMMUNE:
        return f"{territory.name} ({territory.departement.code})" if territory.departement_id else territory.name
    if territory.kind == TerritoryKind.COUNTRY:
        return territory.name
    return f"{territory.name} ({territory.get_kind_display().lower()})"


POSTAL_CODE = re.compile(r"^\d{5}$")
DEPARTEMENT_NUMBER = re.compile(r"^(\d{2,3}|2[ABab])$")
TYPO_CANDIDATES = 20


def resolve_territory(text: str, kinds) -> list[Territory]:
    """Territories the text designates, most likely first (at most a few).

    A code (INSEE, postal, coverage); a name, exact then with one typo; a name with a postal code or a
    département number, in either order, in brackets or not; « Nom (département) » for a larger territory.
    """
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
    if qualifier and not qualifier.isdigit() and not DEPARTEMENT_NUMBER.fullmatch(qualifier):
        # « Creuse (département) »: a larger territory named with its kind.
        matches = list(queryset.filter(search_name=normalize(name)).order_by("kind_rank", "-population")[:10])
        return [
            t
            for t in matches
            if (t.departement_id and t.departement.code == qualifier.upper())
            or normalize(t.get_kind_display()).startswith(normalize(qualifier))
            or normalize(territory_label(t)) == normalize(text)
        ]
    words, postal_code, departement = [], None, None
    for token in text.replace("(", " ").replace(")", " ").replace(",", " ").split():
        if POSTAL_CODE.fullmatch(token):
            postal_code = token
        elif DEPARTEMENT_NUMBER.fullmatch(token):
            departement = token.upper()
        else:
            words.append(token)
    needle = normalize(" ".join(words))
    if not needle:
        return []
    if postal_code:
        queryset = queryset.filter(postal_codes__code=postal_code).distinct()
    if departement:
        queryset = queryset.filter(departement__code=departement)
    matches = list(queryset.filter(search_name=needle).order_by("kind_rank", "-population")[:10])
    return matches or _one_typo_away(queryset, needle)


def _one_typo_away(queryset, needle: str) -> list[Territory]:
    """Names one letter off (added, missing or changed): trigram candidates on PostgreSQL, lengths on SQLite."""
    if len(needle) < 4:
        return []
    if connections[queryset.db].vendor == "postgresql":
        rows = (
            queryset.annotate(similarity=TrigramSimilarity("search_name", needle))
            .filter(similarity__gte=0.3)
            .order_by("-similarity")
            .values_list("pk", "search_name")[:TYPO_CANDIDATES]
        )
    else:
        rows = (
            queryset.annotate(name_length=Length("search_name"))
            .filter(name_length__gte=len(needle) - 1, name_length__lte=len(needle) + 1)
            .values_list("pk", "search_name")
        )
    ids = [pk for pk, name in rows if within_one_edit(needle, name)]
    return list(queryset.filter(pk__in=ids).order_by("kind_rank", "-population")[:10]) if ids else []


def within_one_edit(a: str, b: str) -> bool:
    """True when b is a, or a with one letter added, removed or replaced."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]
