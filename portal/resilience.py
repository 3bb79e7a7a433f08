"""What the web nodes do when a service they depend on is down: health endpoints for the load balancer, and a
French 503 page (in the site's layout, rendered without the database) when the database does not answer."""

import logging
import time

from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger("portal.resilience")

LIVENESS_PATH = "/sante/"
READINESS_PATH = "/sante/pret/"


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as error:  # noqa: BLE001 - any failure makes the node not ready; the type says which
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, **(detail or {}), "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations():
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MigrationsPending(f"{len(plan)} migration(s) not applied")
    return {}


class MigrationsPending(Exception):
    pass


def check_cache():
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return {}
    cache.set("sante:probe", "1", 10)
    if cache.get("sante:probe") != "1":
        raise ConnectionError("cache does not keep a value")
    return {"backend": "local"}


def check_broker():
    from celery import current_app

    if current_app.conf.task_always_eager:
        return {"mode": "eager"}
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
    return {}


CHECKS = {"database": check_database, "migrations": check_migrations, "cache": check_cache, "broker": check_broker}


def readiness():
    checks = {}
    for name, check in CHECKS.items():
        if name == "migrations" and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "error": "database unavailable"}
            continue
        checks[name] = _timed(check)
    ready = all(check["ok"] for check in checks.values())
    return ready, checks


class HealthAndDatabaseDownMiddleware:
    """First in MIDDLEWARE (after the request id): answers the probes before host checks, HTTPS redirect, sessions
    and CSRF (a load balancer probes by IP over plain HTTP), and turns a database outage into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH:
            return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
        if request.path == READINESS_PATH:
            ready, checks = readiness()
            if not ready:
                failing = sorted(name for name, check in checks.items() if not check["ok"])
                logger.warning("not ready: %s", ", ".join(failing))
            return JsonResponse(
                {"status": "ready" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
                headers={"Cache-Control": "no-store"},
            )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


def database_unavailable(request, exception=None):
    logger.error("database unavailable (%s): 503", type(exception).__name__ if exception else "unknown")
    # No request in the context: the context processors (roles, demo banner, user) would query the database.
    body = render_to_string("503.html", {"request_id": getattr(request, "request_id", "")})
    return HttpResponse(body, status=503, headers={"Retry-After": "30", "Cache-Control": "no-store"})
