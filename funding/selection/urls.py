from django.urls import path

from funding.selection import views

app_name = "selection"

urlpatterns = [
    path("", views.selection_detail, name="detail"),
    path("ajouter/", views.selection_add, name="add"),
    path("retirer/", views.selection_remove, name="remove"),
    path("vider/", views.selection_clear, name="clear"),
    path("depuis-un-parcours/", views.selection_from_parcours, name="from_parcours"),
]
