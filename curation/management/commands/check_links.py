import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from curation.services.link_check import link_checks_run, owners_due
from directory.management.progress import ProgressPrinter
from directory.models import Offer, Structure


class Command(BaseCommand):
    help = (
        "Vérifie les sites web des structures et les pages des offres publiées dont la dernière vérification est "
        "trop ancienne, et enregistre les résultats (un lien est « cassé » après deux échecs de suite)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, help="Vérifier au plus ce nombre de fiches (les jamais vérifiées d'abord)."
        )
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=settings.LINK_CHECK_MAX_AGE_DAYS,
            help="Vérifier les liens vérifiés il y a plus de N jours (0 : tous). Par défaut : %(default)s.",
        )
        parser.add_argument(
            "--structure",
            type=int,
            help="Vérifier seulement cette structure (n°) et ses offres, quels que soient leur statut et leur âge.",
        )

    def handle(self, *args, limit, older_than_days, structure, **options):
        if older_than_days < 0 or (limit is not None and limit < 1):
            raise CommandError(_("--older-than-days doit être positif et --limit au moins 1."))
        now = timezone.now()
        if structure is not None:
            if not Structure.objects.filter(pk=structure).exists():
                raise CommandError(_("Aucune structure n° %(pk)s.") % {"pk": structure})
            checked_before = now
            owners = owners_due(
                checked_before=checked_before,
                structures=Structure.objects.filter(pk=structure),
                offers=Offer.objects.filter(structure=structure),
                limit=limit,
            )
        else:
            checked_before = now - datetime.timedelta(days=older_than_days) if older_than_days else now
            owners = owners_due(checked_before=checked_before, limit=limit)
        if not owners:
            self.stdout.write(_("Aucun lien à vérifier."))
            return
        report = link_checks_run(owners=owners, checked_before=checked_before, progress=ProgressPrinter(self.stdout))
        summary = ngettext(
            "%(entries)d fiche vérifiée (%(urls)d adresses distinctes)",
            "%(entries)d fiches vérifiées (%(urls)d adresses distinctes)",
            report.entries,
        ) % {"entries": report.entries, "urls": report.urls}
        details = _("%(ok)d répondent, %(failing)d en échec dont %(broken)d liens cassés") % {
            "ok": report.ok,
            "failing": report.failing,
            "broken": report.broken,
        }
        self.stdout.write(f"{summary} : {details}.")
        if report.skipped:
            self.stdout.write(
                _("%(count)d ignorées : adresse modifiée ou vérifiée entre-temps.") % {"count": report.skipped}
            )
