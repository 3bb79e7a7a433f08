"""The reference vocabularies of the support chain: stages and needs.

The terms are frozen here as fixtures/vocabularies.json had them when this migration was written: a migration
never reads today's files or code. Terms are matched by slug; a term already there is updated, others are left.
"""

from django.db import migrations

TERMS = {
    "stages": [
        {
            "slug": "emergence",
            "name": "Émergence",
            "position": 1,
            "holder_label": "J'ai une idée",
            "description": "Idée, repérage d'une opportunité, premières rencontres.",
        },
        {
            "slug": "amorcage",
            "name": "Amorçage",
            "position": 2,
            "holder_label": "Je teste mon idée et mon modèle",
            "description": "Étude de faisabilité, modèle économique, premiers tests.",
        },
        {
            "slug": "creation",
            "name": "Création",
            "position": 3,
            "holder_label": "Je lance ma structure",
            "description": "Immatriculation ou déclaration, lancement de l'activité.",
        },
        {
            "slug": "consolidation",
            "name": "Consolidation",
            "position": 4,
            "holder_label": "Mon activité démarre, je la stabilise",
            "description": "Premières années : stabiliser l'activité, les emplois et les finances.",
        },
        {
            "slug": "developpement",
            "name": "Développement",
            "position": 5,
            "holder_label": "Je développe mon activité",
            "description": "Nouvelles activités, nouveaux marchés, investissements.",
        },
        {
            "slug": "changement-echelle",
            "name": "Changement d'échelle",
            "position": 6,
            "holder_label": "Je veux essaimer ou changer d'échelle",
            "description": "Essaimage, duplication, coopération, fusion.",
        },
        {
            "slug": "reprise-transmission",
            "name": "Reprise, transmission",
            "position": 7,
            "holder_label": "Je reprends ou transmets une entreprise",
            "description": "Reprise par les salariés, transformation en SCOP ou SCIC, transmission.",
        },
    ],
    "needs": [
        {"slug": "information-orientation", "name": "Information et orientation"},
        {"slug": "definition-projet", "name": "Définition du projet"},
        {"slug": "statut-juridique", "name": "Statut juridique"},
        {"slug": "modele-economique", "name": "Modèle économique"},
        {"slug": "financement", "name": "Financement"},
        {"slug": "local-foncier", "name": "Local et foncier"},
        {"slug": "recrutement-rh", "name": "Recrutement et ressources humaines"},
        {"slug": "gouvernance", "name": "Gouvernance"},
        {"slug": "formation", "name": "Formation"},
        {"slug": "mise-en-reseau", "name": "Mise en réseau"},
        {"slug": "cooperation-mutualisation", "name": "Coopération et mutualisation"},
        {"slug": "commande-publique", "name": "Commande publique"},
        {"slug": "evaluation-impact", "name": "Évaluation de l'impact"},
        {"slug": "numerique", "name": "Numérique"},
        {"slug": "communication", "name": "Communication"},
    ],
}


def load(apps, schema_editor):
    for model_name, section in SECTIONS:
        model = apps.get_model("support_chain", model_name)
        for term in TERMS[section]:
            values = {key: value for key, value in term.items() if key != "slug"}
            model.objects.update_or_create(slug=term["slug"], defaults=values)


SECTIONS = [("Stage", "stages"), ("Need", "needs")]


class Migration(migrations.Migration):
    dependencies = [("support_chain", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
