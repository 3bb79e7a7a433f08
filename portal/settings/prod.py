"""Production: everything deployment-specific comes from the environment, and the four settings a public service
cannot run without are required (the process refuses to start, naming what is missing).

- DATABASE_URL: PostgreSQL (the embedded SQLite default is for `make run` only).
- REDIS_URL: the broker and the shared cache; the throttles and the login lock must count across every worker.
- SECRET_KEY, ALLOWED_HOSTS: never the development defaults.
"""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED_ENVIRONMENT = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS")
_missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "portal.settings.prod needs these environment variables, unset or empty: "
        + ", ".join(_missing)
        + ". See deploy/README.md (DATABASE_URL=postgres://…, REDIS_URL=redis://…, SECRET_KEY=<50+ random characters>,"
        " ALLOWED_HOSTS=guichet.example.org)."
    )

from .base import *  # noqa: E402,F401,F403
from .base import LOGGING, env_bool, env_list  # noqa: E402

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")

# HTTPS. Behind a reverse proxy that terminates TLS, Django learns the scheme from the header the proxy sets:
# SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https" (the default; empty when gunicorn itself is exposed, which
# it must never be, since a client could then send the header). The proxy must overwrite that header.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https").strip()
if _proxy_ssl_header:
    _name, _, _value = _proxy_ssl_header.partition(":")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers probe the health endpoints over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^sante/"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a commitment (removal takes months): the operator opts in. Until then, the deploy check's
# reminder is silenced on purpose.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The shared cache is required (REDIS_URL above): a per-process cache would count the login lock and the
# throttles per gunicorn worker.
if CACHES["default"]["BACKEND"] != "portal.cache.ResilientRedisCache":  # noqa: F405
    raise ImproperlyConfigured("portal.settings.prod needs the shared Redis cache (REDIS_URL).")
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# PostgreSQL: a connection kept per worker (checked before reuse), and a dead database answered within seconds
# (the 503 page).
DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")))  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "json")
