"""The reference vocabularies of the directory: legal forms, funding instruments, networks.

The terms are frozen here as fixtures/vocabularies.json had them when this migration was written: a migration
never reads today's files or code. Terms are matched by slug; a term already there is updated, others are left.
"""

from django.db import migrations

TERMS = {
    "legal_forms": [
        {"slug": "association", "name": "Association"},
        {"slug": "scop", "name": "SCOP"},
        {"slug": "scic", "name": "SCIC"},
        {"slug": "cae", "name": "Coopérative d'activité et d'emploi (CAE)"},
        {"slug": "cooperative", "name": "Autre coopérative"},
        {"slug": "mutuelle", "name": "Mutuelle"},
        {"slug": "fondation", "name": "Fondation"},
        {"slug": "societe-ess", "name": "Société commerciale de l'ESS (ESUS)"},
        {"slug": "collectif-non-constitue", "name": "Collectif pas encore constitué"},
        {"slug": "collectivite", "name": "Collectivité ou organisme public"},
        {"slug": "entreprise", "name": "Autre entreprise"},
    ],
    "instruments": [
        {"slug": "subvention", "name": "Subvention"},
        {"slug": "pret-honneur", "name": "Prêt d'honneur"},
        {"slug": "pret-solidaire", "name": "Prêt solidaire"},
        {"slug": "pret-bancaire", "name": "Prêt bancaire"},
        {"slug": "garantie", "name": "Garantie"},
        {"slug": "fonds-propres", "name": "Fonds propres"},
        {"slug": "quasi-fonds-propres", "name": "Quasi-fonds propres"},
        {"slug": "titres-associatifs", "name": "Titres associatifs"},
        {"slug": "financement-participatif", "name": "Financement participatif"},
        {"slug": "mecenat", "name": "Mécénat"},
        {"slug": "avance-remboursable", "name": "Avance remboursable"},
    ],
    "networks": [
        {"slug": "cress", "name": "CRESS (chambre régionale de l'ESS)"},
        {"slug": "france-active", "name": "France Active"},
        {"slug": "urscop", "name": "Les SCOP (URSCOP)"},
        {"slug": "bge", "name": "BGE"},
        {"slug": "dla", "name": "DLA (Dispositif local d'accompagnement)"},
        {"slug": "cigales", "name": "CIGALES"},
        {"slug": "france-tiers-lieux", "name": "France Tiers-Lieux"},
        {"slug": "adie", "name": "Adie"},
        {"slug": "initiative-france", "name": "Initiative France"},
        {"slug": "reseau-des-ptce", "name": "PTCE (pôles territoriaux de coopération économique)"},
        {"slug": "cooperer-pour-entreprendre", "name": "Coopérer pour entreprendre (CAE)"},
        {"slug": "incubateur-ess", "name": "Incubateurs de l'ESS"},
        {"slug": "avise", "name": "Avise"},
        {"slug": "mouvement-associatif", "name": "Le Mouvement associatif"},
        {"slug": "universite", "name": "Universités"},
    ],
}


def load(apps, schema_editor):
    for model_name, section in SECTIONS:
        model = apps.get_model("directory", model_name)
        for term in TERMS[section]:
            values = {key: value for key, value in term.items() if key != "slug"}
            model.objects.update_or_create(slug=term["slug"], defaults=values)


SECTIONS = [("LegalForm", "legal_forms"), ("Instrument", "instruments"), ("Network", "networks")]


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
