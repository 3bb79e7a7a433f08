"""A load run of the public pages under the production settings: gunicorn, PostgreSQL, Redis, concurrent clients.

Starts gunicorn (`portal.settings.prod`, 2 workers per core by default) on the database DATABASE_URL names (it must
hold a directory: `manage.py generate_directory`, or the one `make bench` generates), then, for each round, runs
`--clients` concurrent keep-alive clients for `--duration` seconds against each page in turn (rounds interleave the
pages, so a noisy neighbour on a shared machine spreads over all of them). Prints, per page: requests/s, the ratio to
the floor (the cheapest page, the questionnaire's first step), p50/p95/p99 of the response time and the errors
(non-2xx/304 answers and failed connections).

    DATABASE_URL=postgres://…/bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        python -m benchmarks.load --clients 50 --duration 60 --rounds 2 [--pages home,search,chain-epci] [--list]

`make bench` runs it too when BENCH_LOAD=1 (benchmarks/bench_load.py: BENCH_LOAD_CLIENTS, BENCH_LOAD_SECONDS,
BENCH_LOAD_ROUNDS, BENCH_LOAD_PAGES). The figures measure the machine as much as the code: compare pages within one
run (the ratio), not runs on different machines.
"""

import argparse
import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
FLOOR = "floor"


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, other: "Result") -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies += other.latencies

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


def pages_of_the_directory() -> dict[str, str]:
    """{name: path} of every public page a holder opens, on rows of the database (a commune with structures, its
    EPCI and département, a published offer and structure)."""
    import django

    django.setup()
    from django.db.models import Count
    from django.urls import reverse

    from directory.models import Offer, Structure, Territory

    commune = (
        Territory.objects.communes()
        .filter(structures__status="published", epci__isnull=False)
        .annotate(n=Count("structures"))
        .order_by("-n", "key")
        .first()
    )
    if commune is None:
        raise SystemExit("No published structure in this database: run `manage.py generate_directory` first.")
    offer = Offer.objects.published().order_by("pk").first()
    structure = Structure.objects.published().order_by("pk").first()
    dep = commune.departement
    code = commune.code
    search = reverse("directory:search")
    chain = lambda key: reverse("support_chain:chain_detail", args=[key])  # noqa: E731
    profile = (
        f"commune={code}&stage=creation&need=financement&need=statut-juridique&legal_form=association"
        "&collective=collectif&amount=10000&age=1&esus=non"
    )
    return {
        FLOOR: reverse("funding:questionnaire"),
        "home": reverse("home"),
        "search": search,
        "search-text": f"{search}?q=cooperative",
        "search-commune": f"{search}?territory={commune.key}",
        "search-commune-stage": f"{search}?territory={commune.key}&stage=creation",
        "offer": reverse("directory:offer_detail", args=[offer.pk]),
        "structure": reverse("directory:structure_detail", args=[structure.pk]),
        "chain-commune": chain(commune.key),
        "chain-epci": chain(commune.epci.key),
        "chain-dep": chain(dep.key),
        "parcours": f"{reverse('funding:results')}?{profile}",
        "match-api": f"{reverse('funding:api_match')}?{profile}&limit=20",
        # A box the size of a département around the commune's (the generated points are spread over France).
        "geojson": f"{reverse('directory:map_geojson')}?bbox={_bbox_around(commune)}",
    }


def _bbox_around(commune) -> str:
    from django.db.models import Avg

    from directory.models import Structure

    centre = Structure.objects.filter(commune=commune, latitude__isnull=False).aggregate(
        lat=Avg("latitude"), lon=Avg("longitude")
    )
    lat, lon = (centre["lat"] or 46.5), (centre["lon"] or 2.0)
    return f"{lon - 0.6:.4f},{lat - 0.45:.4f},{lon + 0.6:.4f},{lat + 0.45:.4f}"


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(var_dir: str, conn_max_age: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.prod",
        SECRET_KEY=os.environ.get("SECRET_KEY", "load-benchmark-only-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        VAR_DIR=var_dir,
        CONN_MAX_AGE=str(conn_max_age),
        LOG_LEVEL="WARNING",
        # One machine plays every client: the match API's per-client limit would answer 429 to the run itself.
        MATCH_API_RATE="1000000/min",
    )
    return env


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn in its own session (stopped with its workers by `stop_server`), its output in VAR_DIR/gunicorn.log."""
    python = sys.executable
    log = open(os.path.join(env["VAR_DIR"], "gunicorn.log"), "ab")  # noqa: SIM115 — the server's, for its life
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    server = subprocess.Popen(
        [
            python, "-m", "gunicorn", "portal.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
            "--access-logfile", "-" if os.environ.get("LOAD_ACCESS_LOG") else "/dev/null",
            "--log-level", "warning",
        ],
        cwd=BASE_DIR, env=env, start_new_session=True,
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode})")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5, headers=HEADERS)
            return server
        except httpx.HTTPError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- the clients ----------------------------------------------------------------------------------------------------

# Behind the TLS-terminating proxy the production settings expect (SECURE_PROXY_SSL_HEADER).
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "fr"}


async def _client(http: httpx.AsyncClient, path: str, stop_at: float, result: Result) -> None:
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            response = await http.get(path)
            await response.aread()
            ok = response.status_code < 300 or response.status_code == 304
        except httpx.HTTPError:
            ok = False
        result.latencies.append(time.monotonic() - started)
        result.requests += 1
        result.errors += not ok


async def hammer(base_url: str, path: str, clients: int, duration: float) -> Result:
    """`clients` concurrent clients, each with its own keep-alive connection, requesting `path` for `duration` s."""
    result = Result()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, headers=HEADERS, limits=limits, timeout=60) as http:
        await http.get(path)  # warm-up: the worker's first hit of this page
        started = time.monotonic()
        stop_at = started + duration
        await asyncio.gather(*(_client(http, path, stop_at, result) for _ in range(clients)))
        result.seconds = time.monotonic() - started
    return result


def run_load(base_url: str, pages: dict[str, str], clients: int, duration: float, rounds: int) -> dict[str, Result]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would load the clients' process
    results = {name: Result() for name in pages}
    for round_number in range(1, rounds + 1):
        for name, path in pages.items():
            result = asyncio.run(hammer(base_url, path, clients, duration))
            results[name].add(result)
            print(
                f"  round {round_number} {name:<22} {result.rate:8.1f} req/s  p95 {result.percentile(0.95):8.1f} ms"
                f"  errors {result.errors}",
                flush=True,
            )
    return results


def table(results: dict[str, Result], pages: dict[str, str], clients: int, duration: float, rounds: int) -> str:
    floor = results[FLOOR].rate if FLOOR in results else 0.0
    lines = [
        f"Load run: {clients} clients × {duration:g} s × {rounds} round(s) per page (portal.settings.prod, gunicorn)",
        "",
        "| page | path | requests/s | ratio to the floor | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        ratio = f"{result.rate / floor:.2f}" if floor else "–"
        lines.append(
            f"| {name} | `{pages[name]}` | {result.rate:.1f} | {ratio} | {result.percentile(0.5):.1f} | "
            f"{result.percentile(0.95):.1f} | {result.percentile(0.99):.1f} | {result.errors} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=20, help="seconds per page and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all; the floor is added)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE of the server (persistent)")
    parser.add_argument("--url", default="", help="an already running server instead of starting gunicorn")
    parser.add_argument("--list", action="store_true", help="print the pages and their paths, then stop")
    return parser.parse_args(argv)


def chosen_pages(names: str) -> dict[str, str]:
    pages = pages_of_the_directory()
    if not names:
        return pages
    chosen = [FLOOR, *(name.strip() for name in names.split(",") if name.strip() and name.strip() != FLOOR)]
    unknown = [name for name in chosen if name not in pages]
    if unknown:
        raise SystemExit(f"Unknown page(s): {', '.join(unknown)}; known: {', '.join(pages)}")
    return {name: pages[name] for name in chosen}


def measure(argv: list[str] | None = None) -> tuple[dict[str, Result], dict[str, str]]:
    """Start the server (unless --url), run the rounds, print the table; return the results and the pages."""
    args = parse(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("The load run needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (production settings).")
    pages = chosen_pages(args.pages)
    server = None
    base_url = args.url
    with tempfile.TemporaryDirectory(prefix="guichet-load-") as var_dir:
        try:
            if not base_url:
                port = free_port()
                server = start_server(port, args.workers, server_environment(var_dir, args.conn_max_age))
                base_url = f"http://127.0.0.1:{port}"
                print(f"gunicorn: {args.workers} workers on {base_url}", flush=True)
            results = run_load(base_url, pages, args.clients, args.duration, args.rounds)
        finally:
            if server is not None:
                stop_server(server)
                log = Path(var_dir, "gunicorn.log")
                if log.exists() and log.stat().st_size:
                    print("gunicorn's log (last lines):\n" + "\n".join(log.read_text().splitlines()[-30:]))
    print()
    print(table(results, pages, args.clients, args.duration, args.rounds), flush=True)
    return results, pages


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request of the clients (httpx logs at INFO)
    sys.path.insert(0, str(BASE_DIR))
    args = parse(argv)
    if args.list:
        for name, path in chosen_pages(args.pages).items():
            print(f"{name:<22} {path}")
        return 0
    results, _pages = measure(argv)
    return 1 if any(result.errors for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
