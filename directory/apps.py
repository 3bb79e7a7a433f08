from django.apps import AppConfig
from django.db.backends.signals import connection_created

from directory.search import fold_text


def register_sqlite_functions(sender, connection, **kwargs):
    """Give every SQLite connection the function the search triggers call (directory/triggers.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("guichet_search_text", -1, fold_text, deterministic=True)


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Annuaire"

    def ready(self):
        from directory import geo  # noqa: F401  (registers the PROXIMITY_RADIUS_KM system check)

        connection_created.connect(register_sqlite_functions, dispatch_uid="directory_sqlite_functions")
