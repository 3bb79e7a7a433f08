from django.urls import path

from funding.referrals import dashboard, views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("nouvelle/", views.referral_create, name="create"),
    path("envoyer-mon-dossier/", views.referral_self_send, name="self_send"),
    path("confirmer/<str:token>/", views.referral_confirm, name="confirm"),
    path("statistiques/", views.referral_stats, name="stats"),
    path("tableau-de-bord/", dashboard.agent_dashboard, name="agent_dashboard"),
    path("reponse/<str:token>/", views.line_answer, name="answer"),
    path("reponse/<str:token>/pieces/<int:attachment_pk>/", views.line_answer_attachment, name="answer_attachment"),
    path("avis/<str:token>/", views.satisfaction, name="satisfaction"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/pieces/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/export/", views.referral_export, name="export"),
    path("<int:pk>/supprimer/", views.referral_delete, name="delete"),
]
