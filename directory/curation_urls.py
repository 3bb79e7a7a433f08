from django.urls import path

from directory.views import (
    curation_editor,
    curation_imports,
    curation_link_checks,
    curation_links,
    curation_public,
    curation_quality,
    curation_staff,
    curation_white_zones,
)

app_name = "curation"

urlpatterns = [
    path("", curation_staff.dashboard, name="dashboard"),
    path("referencer/", curation_public.submit, name="submit"),
    path("referencer/merci/", curation_public.submit_thanks, name="submit_thanks"),
    path("propositions/<int:pk>/", curation_staff.submission_detail, name="submission_detail"),
    path("propositions/<int:pk>/decision/", curation_staff.submission_decide, name="submission_decide"),
    path("modifications/<int:pk>/decision/", curation_staff.edit_review_decide, name="edit_review_decide"),
    path("liens/<int:pk>/action/", curation_link_checks.link_check_action, name="link_check_action"),
    path("<str:kind>/<int:pk>/action/", curation_staff.entry_action, name="entry_action"),
    path("<str:kind>/<int:pk>/historique/", curation_staff.history, name="history"),
    path("<str:kind>/<int:pk>/historique/retour/", curation_staff.revert, name="revert"),
    path("doublons/<int:first>/<int:second>/", curation_staff.merge, name="merge"),
    path("doublons/<int:first>/<int:second>/ecarter/", curation_staff.duplicate_dismiss, name="duplicate_dismiss"),
    path("zones-blanches/", curation_white_zones.white_zones, name="white_zones"),
    path("imports/", curation_imports.imports, name="imports"),
    path("imports/<int:pk>/", curation_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/decision/", curation_imports.import_decide, name="import_decide"),
    path("export/", curation_imports.export, name="export"),
    path("verifier/<str:token>/", curation_links.update_answer, name="update_answer"),
    path("mes-structures/", curation_editor.my_structures, name="my_structures"),
    path("mes-structures/<int:pk>/modifier/", curation_editor.structure_edit, name="structure_edit"),
    path("mes-offres/<int:pk>/modifier/", curation_editor.offer_edit, name="offer_edit"),
    path("mes-fiches/<str:kind>/<int:pk>/confirmer/", curation_editor.entry_confirm, name="entry_confirm"),
    path("qualite/", curation_quality.quality, name="quality"),
]
