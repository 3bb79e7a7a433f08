"""`python manage.py match --commune 23077 --stage emergence --need financement --json`: the engine from a shell."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from funding import selectors
from funding.forms import ProfileForm
from funding.payloads import results_payload


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("Date invalide : « %(value)s » (attendu : AAAA-MM-JJ).") % {"value": text}) from error


class Command(BaseCommand):
    help = "Affiche les offres qui correspondent à un profil de porteur de projet, classées et expliquées."

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="Code INSEE (ou code postal, nom, COM-xxxxx)")
        parser.add_argument("--stage", required=True, help="Étape : emergence, amorcage, creation…")
        parser.add_argument("--need", action="append", default=[], help="Besoin (répétable) : financement…")
        parser.add_argument("--legal-form", default="", help="Forme juridique : association, scop…")
        parser.add_argument("--sector", default="", help="Secteur, texte libre : « maraîchage bio »")
        parser.add_argument(
            "--keyword", action="append", default=[], help="Secteur dans la liste (répétable) : alimentation, culture…"
        )
        parser.add_argument("--amount", default="", help="Montant recherché, en euros")
        parser.add_argument("--age", default="", help="Âge de la structure, en années")
        parser.add_argument("--esus", choices=["oui", "non"], default="", help="Agrément ESUS")
        parser.add_argument("--on", default="", help="Date du jour pour les appels à projets (AAAA-MM-JJ)")
        parser.add_argument("--json", action="store_true", help="Sortie JSON")

    def handle(self, *args, **options):
        today = iso_date(options["on"]) if options["on"] else timezone.localdate()
        form = ProfileForm(
            {
                "commune": options["commune"],
                "stage": options["stage"],
                "need": options["need"],
                "legal_form": options["legal_form"],
                "sector": options["sector"],
                "keyword": options["keyword"],
                "amount": options["amount"],
                "age": options["age"],
                "esus": options["esus"],
            }
        )
        if not form.is_valid():
            messages = [
                f"--{name.replace('_', '-')} : {error}" for name, errors in form.errors.items() for error in errors
            ]
            raise CommandError("\n".join(messages))
        profile = selectors.build_profile(**form.profile_values())
        matches = selectors.match(profile, today=today)
        payload = results_payload(profile, matches, today=today)
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("%(count)s offre(s) pour %(commune)s, étape %(stage)s, au %(date)s")
            % {"count": len(matches), "commune": profile.commune.name, "stage": profile.stage.name, "date": today}
        )
        for row in payload["results"]:
            self.stdout.write(f"{row['rank']:>4}  {row['structure'][:40]:<40}  {row['offer_title'][:50]}")
            for reason in row["reasons"]:
                self.stdout.write(f"      · {reason}")
