from django.urls import path

from funding import api, views
from funding.alerts import feeds as alert_feeds
from funding.alerts import views as alert_views
from funding.saved_profiles import views as saved_profile_views

app_name = "funding"

urlpatterns = [
    path("", views.questionnaire, name="questionnaire"),
    path("resultats/", views.results, name="results"),
    path("resultats/envoyer/", views.send_results, name="send_results"),
    path("resultats/enregistrer/", saved_profile_views.save_results, name="save_results"),
    path("api/correspondances/", api.MatchView.as_view(), name="api_match"),
    path("alertes/", alert_views.alert_subscribe, name="alert_subscribe"),
    path("alertes/confirmer/<str:token>/", alert_views.alert_confirm, name="alert_confirm"),
    path("alertes/desinscription/<str:token>/", alert_views.alert_unsubscribe, name="alert_unsubscribe"),
    path("appels.atom", alert_feeds.OpenCallsFeed(), name="calls_feed"),
]
