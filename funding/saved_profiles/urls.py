from django.urls import path

from funding.saved_profiles import views

app_name = "saved_profiles"

urlpatterns = [
    path("", views.saved_profile_list, name="list"),
    path("<int:pk>/supprimer/", views.saved_profile_delete, name="delete"),
]
