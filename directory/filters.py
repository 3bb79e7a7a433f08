"""The directory's one filter set, shared by the search page, the map's GeoJSON endpoint and the API.

Query parameters (stable, see the shared brief): q, territory, role, offer_type, stage, need, support_level,
instrument, fee, mode, network, open_now, sort. Values are the slugs of DESIGN.md. Several values of one
parameter are alternatives (?stage=emergence&stage=creation); different parameters all apply.
"""

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.query import EmptyQuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from directory.cache import cached
from directory.forms import TerritoryField
from directory.models import (
    Fee,
    Instrument,
    Mode,
    Network,
    Offer,
    OfferType,
    Structure,
    StructureRole,
    TerritoryKind,
)
from support_chain.models import Need, Stage, SupportLevel

TERRITORY_KINDS = (
    TerritoryKind.COMMUNE,
    TerritoryKind.EPCI,
    TerritoryKind.DEPARTEMENT,
    TerritoryKind.REGION,
    TerritoryKind.ZONE,
)


class Sort:
    RELEVANCE = "pertinence"
    NARROWEST = "territoire"
    VERIFIED = "verification"
    DISTANCE = "distance"
    CHOICES = [
        (RELEVANCE, _("Pertinence")),
        (NARROWEST, _("Territoire le plus proche d'abord")),
        (VERIFIED, _("Dernière vérification")),
        (DISTANCE, _("Distance (autour d'un point)")),
    ]


# Parameters that order the results but never restrict them.
ORDERING_PARAMETERS = ("sort", "lat", "lon")


def has_value(value) -> bool:
    """True for a filter value that restricts something (an empty choice list or an unchecked box does not)."""
    if value is None or value is False or isinstance(value, EmptyQuerySet):
        return False
    if isinstance(value, str | list | tuple):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def as_query_dict(data):
    """Accept a plain dict ({"stage": ["emergence", "creation"], "fee": "gratuit"}) as well as request.GET."""
    if data is None or isinstance(data, QueryDict):
        return data
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    return query


class TerritoryFilterField(TerritoryField):
    """TerritoryField that shows the resolved territory's label (« Faux-la-Montagne (23) ») once validated."""

    def to_python(self, value):
        territory = super().to_python(value)
        self.resolved = (value, territory)
        return territory

    def bound_data(self, data, initial):
        resolved = getattr(self, "resolved", None)
        if resolved and resolved[0] == data and resolved[1] is not None:
            return resolved[1]
        return data


class TerritoryFilter(django_filters.Filter):
    field_class = TerritoryFilterField


class OfferFilter(django_filters.FilterSet):
    """Published offers filtered by the directory's search parameters; `.qs` is filtered and sorted."""

    q = django_filters.CharFilter(
        label=_("Mots-clés"),
        method="filter_q",
        help_text=_("Par exemple : couveuse, prêt d'honneur, tiers-lieu."),
        widget=forms.TextInput(attrs={"type": "search", "maxlength": "200"}),
    )
    territory = TerritoryFilter(
        label=_("Territoire"),
        method="filter_territory",
        kinds=TERRITORY_KINDS,
        widget=forms.TextInput(attrs={"data-territory-autocomplete": "COM,EPCI,DEP,REG"}),
        help_text=_("Une commune (nom ou code postal), une intercommunalité, un département ou une région."),
    )
    role = django_filters.MultipleChoiceFilter(
        label=_("Type de structure"),
        choices=StructureRole.choices,
        method="filter_role",
        widget=forms.CheckboxSelectMultiple,
    )
    offer_type = django_filters.MultipleChoiceFilter(
        label=_("Type d'offre"), choices=OfferType.choices, widget=forms.CheckboxSelectMultiple
    )
    stage = django_filters.ModelMultipleChoiceFilter(
        label=_("Étape du projet"),
        queryset=Stage.objects.order_by("position"),
        to_field_name="slug",
        method="filter_stage",
        widget=forms.CheckboxSelectMultiple,
    )
    need = django_filters.ModelMultipleChoiceFilter(
        label=_("Besoin"),
        queryset=Need.objects.order_by("name"),
        to_field_name="slug",
        method="filter_need",
        widget=forms.CheckboxSelectMultiple,
    )
    support_level = django_filters.MultipleChoiceFilter(
        label=_("Niveau d'accompagnement"), choices=SupportLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    instrument = django_filters.ModelMultipleChoiceFilter(
        label=_("Outil de financement"),
        queryset=Instrument.objects.order_by("name"),
        to_field_name="slug",
        method="filter_instrument",
        widget=forms.CheckboxSelectMultiple,
    )
    fee = django_filters.MultipleChoiceFilter(label=_("Coût"), choices=Fee.choices, widget=forms.CheckboxSelectMultiple)
    mode = django_filters.MultipleChoiceFilter(
        label=_("Modalité"), choices=Mode.choices, method="filter_mode", widget=forms.CheckboxSelectMultiple
    )
    network = django_filters.ModelMultipleChoiceFilter(
        label=_("Réseau"),
        queryset=Network.objects.order_by("name"),
        to_field_name="slug",
        method="filter_network",
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = django_filters.BooleanFilter(
        label=_("Appels à projets ouverts aujourd'hui"),
        method="filter_open_now",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=Sort.CHOICES, method="filter_sort", empty_label=None, null_label=None
    )
    # The point of « Autour de moi » (sort=distance): a map click, the browser's geolocation.
    lat = django_filters.NumberFilter(
        label=_("Latitude"), method="filter_sort", min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    lon = django_filters.NumberFilter(
        label=_("Longitude"), method="filter_sort", min_value=-180, max_value=180, widget=forms.HiddenInput
    )

    # The parameters shown with a count beside each choice on the search page.
    FACETS = ("role", "offer_type", "stage", "need", "support_level", "instrument", "fee", "mode", "network")

    class Meta:
        model = Offer
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Offer.objects.published()
        super().__init__(as_query_dict(data), queryset=queryset, **kwargs)

    # --- filtering -------------------------------------------------------------------------------------------

    def filter_queryset(self, queryset):
        queryset = self.filter_queryset_except(queryset, exclude=("sort",))
        return self.sort_queryset(queryset)

    def filter_queryset_except(self, queryset, exclude=()):
        """Apply every valid filter but those named in `exclude` (facet counts leave their own facet out)."""
        for name, value in self.form.cleaned_data.items():
            if name in exclude or name in ORDERING_PARAMETERS:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def is_active(self) -> bool:
        """True when at least one filter (other than the sort) has a value."""
        data = getattr(self.form, "cleaned_data", {})
        return any(
            value not in (None, "", [], ()) and value is not False
            for name, value in data.items()
            if name not in ORDERING_PARAMETERS
        )

    @property
    def point(self) -> tuple[float, float] | None:
        """The (lat, lon) given for a distance sort, or None."""
        data = getattr(self.form, "cleaned_data", None) or {}
        if data.get("lat") is None or data.get("lon") is None:
            return None
        return float(data["lat"]), float(data["lon"])

    @property
    def sort_point(self) -> tuple[float, float] | None:
        """Where « Trier par distance » measures from: the point given, else the point of the commune searched
        (so a holder who named their commune needs no geolocation), else None."""
        if self.point is not None:
            return self.point
        data = getattr(self.form, "cleaned_data", None) or {}
        territory = data.get("territory")
        if territory is not None and territory.kind == TerritoryKind.COMMUNE:
            return territory.point
        return None

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    @extend_schema_field(OpenApiTypes.STR)  # a slug (a coverage code for territory), for the API schema
    def filter_territory(self, queryset, name, territory):
        if territory.kind == TerritoryKind.COMMUNE:
            return queryset.covering(territory)
        return queryset.within(territory)

    def filter_role(self, queryset, name, roles):
        condition = Q()
        for role in roles:
            condition |= Q(**{f"structure__{StructureRole(role).field_name}": True})
        return queryset.filter(condition)

    @extend_schema_field(OpenApiTypes.STR)  # a slug (a coverage code for territory), for the API schema
    def filter_stage(self, queryset, name, stages):
        if not stages:
            return queryset
        through = Offer.stages.through.objects.filter(offer_id=OuterRef("pk"), stage__in=stages)
        return queryset.filter(Exists(through))

    @extend_schema_field(OpenApiTypes.STR)  # a slug (a coverage code for territory), for the API schema
    def filter_need(self, queryset, name, needs):
        if not needs:
            return queryset
        through = Offer.needs.through.objects.filter(offer_id=OuterRef("pk"), need__in=needs)
        return queryset.filter(Exists(through))

    @extend_schema_field(OpenApiTypes.STR)  # a slug (a coverage code for territory), for the API schema
    def filter_instrument(self, queryset, name, instruments):
        return queryset.filter(instrument__in=instruments) if instruments else queryset

    @extend_schema_field(OpenApiTypes.STR)  # a slug (a coverage code for territory), for the API schema
    def filter_network(self, queryset, name, networks):
        return queryset.filter(structure__network__in=networks) if networks else queryset

    def filter_mode(self, queryset, name, modes):
        condition = Q()
        for mode in modes:
            condition |= Q(**{Mode(mode).field_name: True})
        return queryset.filter(condition)

    def filter_open_now(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.open_calls(timezone.localdate())

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, by sort_queryset

    # --- facet counts ---------------------------------------------------------------------------------------

    def filter_key(self) -> tuple:
        """The restricting filters as a plain value: two requests with the same key find the same offers."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        key = []
        for name, value in sorted(data.items()):
            if name in ORDERING_PARAMETERS or not has_value(value):
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, str):
                value = value.strip()
            elif not isinstance(value, bool | int | float):
                value = sorted(str(getattr(item, "slug", item)) for item in value)
            key.append((name, value))
        if data.get("open_now"):
            key.append(("today", timezone.localdate().isoformat()))
        return tuple(key)

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """The facet counts of `count_facets`, cached for this filter set until the directory changes."""
        return cached(f"facets:{type(self).__name__}", self.filter_key(), self.count_facets)

    def total(self, counts: dict[str, dict[str, int]]) -> int:
        """The number of offers found, read from the facet counts (an offer has exactly one type)."""
        chosen = (self.form.cleaned_data.get("offer_type") if self.is_bound and self.is_valid() else None) or []
        return sum(n for value, n in counts["offer_type"].items() if not chosen or value in chosen)

    def count_facets(self) -> dict[str, dict[str, int]]:
        """{facet: {choice value: number of offers}} for every facet, each counted with the other filters applied.

        A facet with no selected value shares the fully filtered base with the others, so all of those are
        counted by one aggregate query; a facet with a selection gets its own; stages and needs one each.
        At most 2 + len(FACETS) queries, whatever the number of offers.
        """
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        groups: dict[str | None, list[str]] = {}
        for facet in self.FACETS:
            groups.setdefault(facet if has_value(data.get(facet)) else None, []).append(facet)
        counts: dict[str, dict[str, int]] = {facet: {} for facet in self.FACETS}
        conditions = self._facet_conditions()
        for excluded, facets in groups.items():
            base = self.filter_queryset_except(self.queryset, exclude=(excluded,) if excluded else ()).order_by()
            ids = base.values("pk")
            scalar = [facet for facet in facets if facet in conditions]
            aggregates = {
                f"{facet}__{index}": Count("pk", filter=condition)
                for facet in scalar
                for index, (_value, condition) in enumerate(conditions[facet])
            }
            if aggregates:
                totals = base.aggregate(**aggregates)  # one pass over the filtered offers (their filters are EXISTS)
                for facet in scalar:
                    for index, (value, _condition) in enumerate(conditions[facet]):
                        counts[facet][value] = totals[f"{facet}__{index}"]
            counts.update(_vocabulary_counts(ids, [facet for facet in ("stage", "need") if facet in facets]))
        return counts

    def _facet_conditions(self) -> dict[str, list[tuple[str, Q]]]:
        """For each facet counted by conditional aggregates: [(choice value, condition)]."""
        return {
            "role": [(role, Q(**{f"structure__{role.field_name}": True})) for role in StructureRole],
            "offer_type": [(value, Q(offer_type=value)) for value in OfferType.values],
            "support_level": [(str(value), Q(support_level=value)) for value in SupportLevel.values],
            "instrument": [(slug, Q(instrument__slug=slug)) for slug in self._slugs("instrument")],
            "fee": [(value, Q(fee=value)) for value in Fee.values],
            "mode": [(mode, Q(**{mode.field_name: True})) for mode in Mode],
            "network": [(slug, Q(structure__network__slug=slug)) for slug in self._slugs("network")],
        }

    def _slugs(self, name) -> list[str]:
        return [value for value, _label in self.choices(name)]

    def choices(self, name) -> list[tuple[str, str]]:
        """[(value, label)] of a facet; a vocabulary table is read once per filter set."""
        cache = self.__dict__.setdefault("_choice_cache", {})
        if name not in cache:
            field = self.form.fields[name]
            if hasattr(field, "queryset"):
                # A vocabulary table: kept with the directory version (a renamed term bumps it).
                cache[name] = cached("choices", name, lambda: [(term.slug, term.name) for term in field.queryset])
            else:
                cache[name] = [(str(value), str(label)) for value, label in field.choices]
        return cache[name]

    def facets(self, counts: dict[str, dict[str, int]] | None = None) -> list[dict]:
        """What the search page shows beside the results: each facet, its choices, their counts, which are checked."""
        counts = self.facet_counts() if counts is None else counts
        selected = self.data if self.data is not None else QueryDict()
        facets = [
            {
                "name": name,
                "label": self.form.fields[name].label,
                "options": [
                    {
                        "value": value,
                        "label": label,
                        "count": counts[name].get(value, 0),
                        "checked": value in selected.getlist(name),
                        "id": f"id_{name}_{index}",
                    }
                    for index, (value, label) in enumerate(self.choices(name))
                ],
            }
            for name in self.FACETS
        ]
        for facet in facets:
            # The page lists a choice only when it would find something or is already selected.
            facet["visible"] = any(option["count"] or option["checked"] for option in facet["options"])
        return facets

    # --- sorting ---------------------------------------------------------------------------------------------

    @property
    def current_sort(self) -> str:
        """The sort in effect: the one asked for, else relevance when there is a free text, else the territory."""
        data = getattr(self.form, "cleaned_data", None) or {}
        chosen = data.get("sort")
        has_text = bool((data.get("q") or "").strip())
        if chosen == Sort.RELEVANCE and not has_text:
            return Sort.NARROWEST
        if chosen == Sort.DISTANCE and self.sort_point is None:
            chosen = None
        return chosen or (Sort.RELEVANCE if has_text else Sort.NARROWEST)

    def sort_queryset(self, queryset):
        narrowness = F("narrowness").asc(nulls_last=True)
        if self.current_sort == Sort.RELEVANCE and "rank" in queryset.query.annotations:
            order = [F("rank").desc(), narrowness]
        elif self.current_sort == Sort.VERIFIED:
            order = [F("last_verified_at").desc(nulls_last=True)]
        elif self.current_sort == Sort.DISTANCE:
            # The nearest of the offer's places (its structure's address, a permanence), as « près de chez vous »
            # measures it (Offer.objects.with_nearest_place).
            queryset = queryset.with_nearest_place(*self.sort_point)
            order = [F("distance_km").asc(nulls_last=True), "narrowness"]
        else:
            # A territory keeps a few thousand offers spread over every level (its own, its EPCI's … France's).
            return queryset.by_narrowness(few=has_value(self.form.cleaned_data.get("territory")))
        return queryset.order_by(*order, F("last_verified_at").desc(nulls_last=True), "title", "pk")


class StructureFilter(OfferFilter):
    """Published structures with at least one published offer matching the filters (all of them when none is set).

    The structure role applies to the structure itself, so a third place without offers is still found.
    """

    sort = django_filters.ChoiceFilter(
        label=_("Trier par"),
        choices=[
            ("nom", _("Nom")),
            (Sort.VERIFIED, _("Dernière vérification")),
            (Sort.DISTANCE, _("Distance (autour d'un point)")),
        ],
        method="filter_sort",
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Structure
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Structure.objects.published()
        super().__init__(data, queryset=queryset, **kwargs)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        roles = data.get("role")
        if roles:
            condition = Q()
            for role in roles:
                condition |= Q(**{StructureRole(role).field_name: True})
            queryset = queryset.filter(condition)
        offer_filters_set = any(
            has_value(value) for name, value in data.items() if name not in (*ORDERING_PARAMETERS, "role")
        )
        if offer_filters_set:
            offers = self.filter_queryset_except(Offer.objects.published(), exclude=("role",))
            queryset = queryset.filter(Exists(offers.filter(structure_id=OuterRef("pk"))))
        if data.get("sort") == Sort.VERIFIED:
            return queryset.order_by(F("last_verified_at").desc(nulls_last=True), "name", "pk")
        if data.get("sort") == Sort.DISTANCE and self.point is not None:
            return queryset.by_distance(*self.point)
        return queryset.order_by("name", "pk")


def _vocabulary_counts(ids, facets: list[str]) -> dict[str, dict[str, int]]:
    """{facet: {slug: number of offers}} of the stage and need facets over the offers `ids` (a values("pk")
    queryset) selects, in one statement: the filtered ids are a common table expression that both counts read,
    so the filters run once rather than once per facet."""
    if not facets:
        return {}
    quote = connection.ops.quote_name
    try:
        ids_sql, params = ids.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty choice list)
        return {facet: {} for facet in facets}
    branches = []
    for facet in facets:
        through = {"stage": Offer.stages.through, "need": Offer.needs.through}[facet]
        field = through._meta.get_field(facet)
        vocabulary = field.related_model._meta
        branches.append(
            f"SELECT '{facet}', v.{quote('slug')}, COUNT(*) FROM {quote(through._meta.db_table)} t"
            f" INNER JOIN facet_ids f ON f.id = t.{quote('offer_id')}"
            f" INNER JOIN {quote(vocabulary.db_table)} v ON v.{quote(vocabulary.pk.column)} = t.{quote(field.column)}"
            f" GROUP BY v.{quote('slug')}"
        )
    counts: dict[str, dict[str, int]] = {facet: {} for facet in facets}
    with connection.cursor() as cursor:
        cursor.execute(f"WITH facet_ids (id) AS ({ids_sql}) " + " UNION ALL ".join(branches), params)
        for facet, slug, n in cursor.fetchall():
            counts[facet][slug] = n
    return counts
