from django.contrib import admin
from django.urls import path

from portal import views

admin.site.site_header = "Guichet ESS — administration"
admin.site.site_title = "Guichet ESS"
admin.site.index_title = "Curation de l'annuaire"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
