"""The public pages a holder opens (benchmarks/load.py's list), single client, server time through the test client:
« kept » (the page an anonymous visitor gets while the directory does not change: the page cache, the ETag) and
« first » (the first request after a write to the directory, or for a query string nobody asked for yet: every
cache keyed by the directory version is empty, the page is computed).

Issue 15's target is p95 < 100 ms for the pages as served; the « first » figures say what a rare query or the first
visitor after a curator's edit waits.
"""

from django.test import Client

from benchmarks.common import measure
from benchmarks.load import FLOOR, pages_of_the_directory
from directory.cache import bump_directory_version

RUNS = 20


def run(report):
    client = Client()
    pages = pages_of_the_directory()
    for name, path in pages.items():

        def kept(_i, path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        def first(_i, path=path):
            bump_directory_version()
            kept(_i, path)

        measure(report, "pages", f"{name} kept", kept, runs=RUNS, warmup=1)
        if name != FLOOR:
            measure(report, "pages", f"{name} first after a write", first, runs=RUNS // 2, warmup=1)
