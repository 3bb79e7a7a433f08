from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


def curators_changed(sender, **kwargs) -> None:
    """A curator added, removed or given other régions: the public pages that say whether a région's directory is
    curated yet (the chain's banner) read it, so it is a write to the directory (directory/cache.py)."""
    from directory.cache import directory_changed

    if kwargs.get("action", "post_").startswith("pre_"):
        return
    directory_changed(using=kwargs.get("using"))


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et droits"

    def ready(self):
        from accounts.models import Curator

        for signal in (post_save, post_delete):
            signal.connect(curators_changed, sender=Curator, dispatch_uid=f"accounts_curators_{id(signal)}")
        m2m_changed.connect(curators_changed, sender=Curator.regions.through, dispatch_uid="accounts_curator_regions")
