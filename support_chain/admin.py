from django.contrib import admin

from support_chain.models import Need, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "slug", "holder_label"]
    list_display_links = ["name"]
    ordering = ["position"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
