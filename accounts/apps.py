from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et droits"

    def ready(self):
        from accounts.models import Curator
        from directory.cache import on_public_write

        # A curator added, removed or given other régions: the chain's banner says whether a région is curated.
        for signal in (post_save, post_delete):
            signal.connect(on_public_write, sender=Curator, dispatch_uid=f"accounts_curators_{id(signal)}")
        m2m_changed.connect(on_public_write, sender=Curator.regions.through, dispatch_uid="accounts_curator_regions")
