from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.models import (
    Instrument,
    LegalForm,
    Network,
    Offer,
    Permanence,
    PostalCode,
    Structure,
    Territory,
)
from directory.text import normalize


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "kind", "population", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["search_name"]  # see get_search_results
    readonly_fields = ["key", "kind", "code", "departement", "region", "epci", "population"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """Match the start of the name (accents and case ignored), a COG code, a coverage code or a postal code."""
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(search_name__startswith=normalize(term)) | Q(code=term) | Q(key=term.upper())
        if term.isdigit():
            matches |= Q(pk__in=PostalCode.objects.filter(code=term).values("commune_id"))
        return queryset.filter(matches), False

    def has_add_permission(self, request):
        return False  # the COG comes from load_territories; zones from create_zone

    def has_delete_permission(self, request, obj=None):
        return False


class OfferInline(admin.TabularInline):
    model = Offer
    fields = ["ref", "title", "offer_type", "support_level", "status", "last_verified_at"]
    show_change_link = True
    extra = 0


class PermanenceInline(admin.TabularInline):
    model = Permanence
    fk_name = "place"
    autocomplete_fields = ["host", "offer"]
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "legal_form", "network", "status", "last_verified_at"]
    list_filter = [
        "status",
        "role_support",
        "role_financer",
        "role_third_place",
        "network",
        "legal_form",
        ("region", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "=siret", "commune__name"]
    autocomplete_fields = ["commune", "region"]
    list_select_related = ["commune__departement", "legal_form", "network"]
    date_hierarchy = "last_verified_at"
    inlines = [OfferInline, PermanenceInline]
    fieldsets = [
        (None, {"fields": ["name", "siret", "legal_form", "network", "description"]}),
        (_("Rôles"), {"fields": ["role_support", "role_financer", "role_third_place"]}),
        (
            _("Où et comment la joindre"),
            {
                "fields": [
                    "address",
                    "commune",
                    "region",
                    ("latitude", "longitude"),
                    "website",
                    "email",
                    "phone",
                    "opening_hours",
                    "accessibility",
                ]
            },
        ),
        (_("Publication"), {"fields": ["status", "last_verified_at"]}),
    ]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "structure",
        "offer_type",
        "support_level",
        "status",
        "closes_on",
        "last_verified_at",
    ]
    list_filter = ["status", "offer_type", "support_level", "stages", "needs", "instrument", "fee"]
    search_fields = ["title", "ref", "structure__name"]
    autocomplete_fields = ["structure", "coverage"]
    filter_horizontal = ["stages", "needs", "eligible_legal_forms"]
    list_select_related = ["structure"]
    fieldsets = [
        (None, {"fields": ["structure", "ref", "title", "offer_type", "description", "how_to_access"]}),
        (_("Pour qui, à quelle étape"), {"fields": ["stages", "needs", "support_level", "coverage"]}),
        (
            _("Éligibilité"),
            {"fields": ["eligible_legal_forms", "esus_required", ("min_structure_age", "max_structure_age")]},
        ),
        (
            _("Financement et appels à projets"),
            {"fields": ["instrument", ("amount_min", "amount_max"), ("opens_on", "closes_on")]},
        ),
        (_("Modalités"), {"fields": ["fee", "mode_presentiel", "mode_distance", "url", "email"]}),
        (_("Publication"), {"fields": ["status", "last_verified_at"]}),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "coverage":
            kwargs["queryset"] = Territory.objects.filter(is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Permanence)
class PermanenceAdmin(admin.ModelAdmin):
    list_display = ["host", "place", "schedule"]
    autocomplete_fields = ["host", "place", "offer"]
    search_fields = ["host__name", "place__name"]


@admin.register(LegalForm, Instrument, Network)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
