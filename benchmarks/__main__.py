"""Run every benchmarks/bench_*.py on a throw-away database holding the real referential and a generated directory.

The database is the one DATABASE_URL names (SQLite by default); figures meant for the issues are taken on
PostgreSQL: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench`.
Environment: BENCH_STRUCTURES (20000), BENCH_OFFERS (60000), BENCH_ONLY (module names to run alone, comma-separated).
"""

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from benchmarks.common import Report

    structures = int(os.environ.get("BENCH_STRUCTURES", "20000"))
    offers = int(os.environ.get("BENCH_OFFERS", "60000"))
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    report = Report(engine)
    try:
        started = time.monotonic()
        call_command("load_territories", verbosity=0, stdout=open(os.devnull, "w"))
        report.add("setup", "load_territories (fresh database)", time.monotonic() - started, "s")
        started = time.monotonic()
        call_command("generate_directory", structures=structures, offers=offers, seed=1, stdout=open(os.devnull, "w"))
        report.add(
            "setup",
            f"generate_directory ({structures} structures, {offers} offres)",
            time.monotonic() - started,
            "s",
        )
        package = os.path.dirname(__file__)
        for module in sorted(m.name for m in pkgutil.iter_modules([package]) if m.name.startswith("bench_")):
            if only and module not in only:
                continue
            importlib.import_module(f"benchmarks.{module}").run(report)
    finally:
        teardown_databases(old_config, verbosity=0)
    report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
