"""Timing helpers shared by the benchmarks."""

import statistics
import time
from collections.abc import Callable

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


class Report:
    def __init__(self, engine: str):
        self.engine = engine
        self.rows: list[tuple[str, str, float, str]] = []

    def add(self, group: str, name: str, value: float, unit: str) -> None:
        self.rows.append((group, name, value, unit))
        print(f"  {group:<10} {name:<60} {value:>10.2f} {unit}", flush=True)

    def print(self) -> None:
        print(f"\n== Benchmarks on {self.engine}")
        for group, name, value, unit in self.rows:
            print(f"{group:<10} {name:<60} {value:>10.2f} {unit}")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50, p95


def measure(
    report: Report, group: str, name: str, call: Callable[[int], object], runs: int = 100, warmup: int = 5
) -> None:
    """Time `call(i)` for i in range(runs) (after `warmup` calls): p50, p95 and queries per call."""
    for i in range(warmup):
        call(i)
    samples, queries = [], []
    for i in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call(i)
            samples.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
    p50, p95 = percentiles(samples)
    report.add(group, f"{name} p50", p50, "ms")
    report.add(group, f"{name} p95", p95, "ms")
    report.add(group, f"{name} queries/call (max)", max(queries), "")
