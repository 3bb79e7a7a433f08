from django.urls import path

from funding import api, views

app_name = "funding"

urlpatterns = [
    path("", views.questionnaire, name="questionnaire"),
    path("resultats/", views.results, name="results"),
    path("resultats/envoyer/", views.send_results, name="send_results"),
    path("api/correspondances/", api.MatchView.as_view(), name="api_match"),
]
