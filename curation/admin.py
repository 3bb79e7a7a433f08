from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scopes import curated_offers, curated_regions, curated_structures, curates_region, is_curator
from curation.models import UpdateCampaign
from directory.models import (
    EmbedOrigin,
    Instrument,
    LegalForm,
    Mode,
    Network,
    Offer,
    Permanence,
    PostalCode,
    Structure,
    StructureRole,
    Territory,
)
from directory.text import normalize


def _curator_may(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or is_curator(user))


class CuratorScopedAdmin(admin.ModelAdmin):
    """Admin pages of curated entries: curators see, edit and pick only what belongs to their régions.

    `get_queryset` scopes lists, counts, change pages and the autocomplete of other admins that point here;
    the object-level permissions refuse an object of another région wherever Django asks.
    """

    def scoped(self, request, model):
        if model is Structure:
            return curated_structures(request.user)
        if model is Offer:
            return curated_offers(request.user)
        if model is Permanence:
            return Permanence.objects.filter(place__in=curated_structures(request.user))
        raise ValueError(model)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.scoped(request, self.model).values("pk"))

    def in_scope(self, request, obj) -> bool:
        return obj is None or obj.pk is None or self.scoped(request, type(obj)).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return _curator_may(request)

    def has_view_permission(self, request, obj=None):
        return _curator_may(request) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return _curator_may(request) and self.in_scope(request, obj)

    def has_add_permission(self, request, obj=None):
        return _curator_may(request)

    def has_delete_permission(self, request, obj=None):
        return _curator_may(request) and self.in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (Structure, Offer):
            kwargs["queryset"] = self.scoped(request, db_field.related_model)
        elif db_field.name == "region" and db_field.related_model is Territory:
            kwargs["queryset"] = curated_regions(request.user)
            if not request.user.is_superuser:
                kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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

    def has_module_permission(self, request):
        return _curator_may(request)

    def has_view_permission(self, request, obj=None):
        # Curators need to read territories (autocomplete of communes and coverage).
        return _curator_may(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False  # the COG comes from load_territories; zones from create_zone

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline(admin.TabularInline):
    """Inlines follow their parent's scope; their own foreign keys are limited like the parent's."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Structure:
            kwargs["queryset"] = curated_structures(request.user)
        elif db_field.related_model is Offer:
            kwargs["queryset"] = curated_offers(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return _curator_may(request)

    def has_change_permission(self, request, obj=None):
        return _curator_may(request)

    def has_add_permission(self, request, obj=None):
        return _curator_may(request)

    def has_delete_permission(self, request, obj=None):
        return _curator_may(request)


class OfferInline(ScopedInline):
    model = Offer
    fields = ["ref", "title", "offer_type", "support_level", "status", "last_verified_at"]
    show_change_link = True
    extra = 0


class PermanenceInline(ScopedInline):
    model = Permanence
    fk_name = "place"
    autocomplete_fields = ["host", "offer"]
    extra = 0


@admin.register(Structure)
class StructureAdmin(CuratorScopedAdmin):
    list_display = ["name", "commune", "legal_form", "network", "status", "last_verified_at"]
    list_filter = [
        "status",
        *(role.field_name for role in StructureRole),
        "network",
        "legal_form",
        ("region", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "=siret", "commune__name"]
    autocomplete_fields = ["commune"]
    list_select_related = ["commune__departement", "legal_form", "network"]
    date_hierarchy = "last_verified_at"
    inlines = [OfferInline, PermanenceInline]
    fieldsets = [
        (None, {"fields": ["name", "siret", "legal_form", "network", "description"]}),
        (_("Rôles"), {"fields": [role.field_name for role in StructureRole]}),
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
class OfferAdmin(CuratorScopedAdmin):
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
        (_("Modalités"), {"fields": ["fee", *(mode.field_name for mode in Mode), "url", "email"]}),
        (_("Publication"), {"fields": ["status", "last_verified_at"]}),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "coverage":
            kwargs["queryset"] = Territory.objects.filter(is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Permanence)
class PermanenceAdmin(CuratorScopedAdmin):
    list_display = ["host", "place", "schedule"]
    autocomplete_fields = ["host", "place", "offer"]
    search_fields = ["host__name", "place__name"]


@admin.register(LegalForm, Instrument, Network)
class VocabularyAdmin(admin.ModelAdmin):
    """Curators read the vocabularies (and pick from them); superusers edit them."""

    list_display = ["name", "slug"]

    def has_module_permission(self, request):
        return _curator_may(request)

    def has_view_permission(self, request, obj=None):
        return _curator_may(request)

    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(UpdateCampaign)
class UpdateCampaignAdmin(admin.ModelAdmin):
    """Each région's curators set its campaign period; they see only their régions' campaigns."""

    list_display = ["region", "period_days", "is_active", "last_run_at"]
    readonly_fields = ["last_run_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(region__in=curated_regions(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = curated_regions(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return _curator_may(request)

    def has_view_permission(self, request, obj=None):
        return _curator_may(request) and (obj is None or curates_region(request.user, obj.region_id))

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return _curator_may(request)


@admin.register(EmbedOrigin)
class EmbedOriginAdmin(admin.ModelAdmin):
    """The sites allowed to embed « Le guichet de ma commune », per territory, in the curator's régions only."""

    list_display = ["origin", "territory", "created_at"]
    search_fields = ["origin", "territory__name", "territory__key"]
    raw_id_fields = ["territory"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(territory__ancestor_links__ancestor__in=curated_regions(request.user))
            .distinct()
        )

    def has_module_permission(self, request):
        return _curator_may(request)

    def has_view_permission(self, request, obj=None):
        return _curator_may(request) and (obj is None or self._in_scope(request, obj.territory_id))

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return _curator_may(request)

    def save_model(self, request, obj, form, change):
        if not self._in_scope(request, obj.territory_id):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    @staticmethod
    def _in_scope(request, territory_id) -> bool:
        return Territory.objects.filter(
            pk=territory_id, ancestor_links__ancestor__in=curated_regions(request.user)
        ).exists()
