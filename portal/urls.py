from django.contrib import admin
from django.urls import include, path

from portal import views

admin.site.site_header = "Guichet ESS — administration"
admin.site.site_title = "Guichet ESS"
admin.site.index_title = "Curation de l'annuaire"

urlpatterns = [
    path("", views.home, name="home"),
    path("directory/", include("directory.urls")),
    path("admin/", admin.site.urls),
]
