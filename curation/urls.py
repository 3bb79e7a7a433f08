from django.urls import path

from curation.views import editor, imports, link_checks, links, public, quality, staff, white_zones

app_name = "curation"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("referencer/", public.submit, name="submit"),
    path("referencer/merci/", public.submit_thanks, name="submit_thanks"),
    path("propositions/<int:pk>/", staff.submission_detail, name="submission_detail"),
    path("propositions/<int:pk>/decision/", staff.submission_decide, name="submission_decide"),
    path("modifications/<int:pk>/decision/", staff.edit_review_decide, name="edit_review_decide"),
    path("liens/<int:pk>/action/", link_checks.link_check_action, name="link_check_action"),
    path("<str:kind>/<int:pk>/action/", staff.entry_action, name="entry_action"),
    path("<str:kind>/<int:pk>/historique/", staff.history, name="history"),
    path("<str:kind>/<int:pk>/historique/retour/", staff.revert, name="revert"),
    path("doublons/<int:first>/<int:second>/", staff.merge, name="merge"),
    path("doublons/<int:first>/<int:second>/ecarter/", staff.duplicate_dismiss, name="duplicate_dismiss"),
    path("zones-blanches/", white_zones.white_zones, name="white_zones"),
    path("imports/", imports.imports, name="imports"),
    path("imports/modele.csv", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/decision/", imports.import_decide, name="import_decide"),
    path("export/", imports.export, name="export"),
    path("verifier/<str:token>/", links.update_answer, name="update_answer"),
    path("mes-structures/", editor.my_structures, name="my_structures"),
    path("mes-structures/<int:pk>/modifier/", editor.structure_edit, name="structure_edit"),
    path("mes-offres/<int:pk>/modifier/", editor.offer_edit, name="offer_edit"),
    path("mes-fiches/<str:kind>/<int:pk>/confirmer/", editor.entry_confirm, name="entry_confirm"),
    path("qualite/", quality.quality, name="quality"),
]
