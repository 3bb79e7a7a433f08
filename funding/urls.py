from django.urls import path

from funding import api, views
from funding.saved_profiles import views as saved_profile_views

app_name = "funding"

urlpatterns = [
    path("", views.questionnaire, name="questionnaire"),
    path("resultats/", views.results, name="results"),
    path("resultats/envoyer/", views.send_results, name="send_results"),
    path("resultats/enregistrer/", saved_profile_views.save_results, name="save_results"),
    path("api/correspondances/", api.MatchView.as_view(), name="api_match"),
]
