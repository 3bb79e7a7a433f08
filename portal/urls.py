from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from portal import views

admin.site.site_header = "Guichet ESS — administration"
admin.site.site_title = "Guichet ESS"
admin.site.index_title = "Curation de l'annuaire"

# Admin pages of the models that moved app (portal -> accounts, directory -> curation) keep their old addresses
# as permanent redirects, for the bookmarks curators made before.
MOVED_ADMIN = [
    (r"^admin/portal/(?P<rest>.*)$", "/admin/accounts/%(rest)s"),
    (r"^admin/directory/updatecampaign/(?P<rest>.*)$", "/admin/curation/updatecampaign/%(rest)s"),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says: the icon the pages name.
    path("favicon.ico", views.favicon),
    path("compte/mon-espace/", views.landing, name="landing"),
    path("compte/parcours/", include("funding.saved_profiles.urls")),
    path("compte/", include("accounts.urls")),
    path("directory/", include("directory.urls")),
    path("chaine/", include("support_chain.urls")),
    path("observatoire/", include("support_chain.observatory.urls")),
    path("guichet/", include("support_chain.widget.urls")),
    path("parcours/", include("funding.urls")),
    path("ma-selection/", include("funding.selection.urls")),
    path("orientations/", include("funding.referral_urls")),
    path("curation/", include("curation.urls")),
    *(re_path(old, RedirectView.as_view(url=new, permanent=True, query_string=True)) for old, new in MOVED_ADMIN),
    path("admin/", admin.site.urls),
]
