from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "Guichet ESS — administration"
admin.site.site_title = "Guichet ESS"
admin.site.index_title = "Curation de l'annuaire"

urlpatterns = [
    path("", views.home, name="home"),
    path("compte/parcours/", include("funding.saved_profiles.urls")),
    path("compte/", include("accounts.urls")),
    path("directory/", include("directory.urls")),
    path("chaine/", include("support_chain.urls")),
    path("parcours/", include("funding.urls")),
    path("orientations/", include("funding.referral_urls")),
    path("curation/", include("curation.urls")),
    path("admin/", admin.site.urls),
]
