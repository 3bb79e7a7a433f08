from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Agent, Curator, StructureMembership, User
from accounts.services import curator_appoint


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Inscription d'un porteur de projet"), {"fields": ["terms_version", "terms_accepted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Curator)
class CuratorAdmin(admin.ModelAdmin):
    list_display = ["user"]
    autocomplete_fields = ["user", "regions"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Curators work in the admin: give them the staff flag (their scope comes from their régions).
        curator_appoint(user=form.instance.user, regions=form.instance.regions.all())


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "sees_territory_referrals"]
    autocomplete_fields = ["user", "territories"]


@admin.register(StructureMembership)
class StructureMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "role", "status"]
    list_filter = ["role", "status"]
    autocomplete_fields = ["user", "structure", "validated_by"]
