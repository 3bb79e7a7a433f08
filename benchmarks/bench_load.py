"""The load run of benchmarks/load.py on the directory `make bench` generated, when BENCH_LOAD=1 (it takes minutes):
gunicorn under the production settings, BENCH_LOAD_CLIENTS (10) clients for BENCH_LOAD_SECONDS (20) per page and
BENCH_LOAD_ROUNDS (2) rounds, BENCH_LOAD_PAGES (all). PostgreSQL and Redis only."""

import os

from django.db import connection

from benchmarks import load


def run(report):
    if os.environ.get("BENCH_LOAD") != "1":
        report.add("load", "skipped (BENCH_LOAD=1 runs it)", 0, "")
        return
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        report.add("load", "skipped (needs PostgreSQL and REDIS_URL)", 0, "")
        return
    # The server reads the database `make bench` filled: the test database, committed.
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    if settings["PASSWORD"]:
        url = url.replace("@", f":{settings['PASSWORD']}@", 1)
    os.environ["DATABASE_URL"] = url
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    argv = [
        "--clients", os.environ.get("BENCH_LOAD_CLIENTS", "10"),
        "--duration", os.environ.get("BENCH_LOAD_SECONDS", "20"),
        "--rounds", os.environ.get("BENCH_LOAD_ROUNDS", "2"),
        "--pages", os.environ.get("BENCH_LOAD_PAGES", ""),
    ]  # fmt: skip
    results, pages = load.measure(argv)
    floor = results[load.FLOOR].rate
    for name, result in results.items():
        report.add("load", f"{name} requests/s", result.rate, "")
        report.add("load", f"{name} ratio to the floor", result.rate / floor if floor else 0, "")
        report.add("load", f"{name} p95", result.percentile(0.95), "ms")
        report.add("load", f"{name} errors", result.errors, "")
