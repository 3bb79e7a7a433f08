from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save

from directory.cache import on_model_write
from directory.search import fold_text


def register_sqlite_functions(sender, connection, **kwargs):
    """Give every SQLite connection the function the search triggers call (directory/triggers.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("guichet_search_text", -1, fold_text, deterministic=True)


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Annuaire"

    def ready(self):
        connection_created.connect(register_sqlite_functions, dispatch_uid="directory_sqlite_functions")
        # Every ORM write to the directory's models bumps the directory version (directory/cache.py).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(on_model_write, dispatch_uid=f"directory_version_{id(signal)}")
