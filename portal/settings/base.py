"""Settings shared by every environment; everything deployment-specific comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "leaflet",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "csp",
    "support_chain",
    "directory",
    "accounts",
    "curation",
    "funding",
    "portal",
]

MIDDLEWARE = [
    # First: a request id for every log line, then the load balancer's probes and the database-down 503 page.
    "portal.observability.RequestIdMiddleware",
    "portal.resilience.HealthAndDatabaseDownMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path or the query (a NUL byte would reach PostgreSQL and end in a 500).
    "portal.middleware.RejectNulBytesMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portal.errors.BareErrorPageMiddleware",
]
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.demo",
                "portal.context_processors.roles",
                "portal.context_processors.selection",
            ],
        },
    },
]

# Embedded default: a SQLite file under var/, so `make run` works on a bare machine.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'guichet.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout keep the dev server and a background command from locking each other out.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on this application's short queries: its estimated costs (closure
    # table EXISTS) cross the JIT thresholds and a 0.3 s query spent 2.5 s compiling (issue 15).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # the person's own work (portal/views.py), unless `next` says otherwise
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing directory
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Open-data files (directory/opendata.py) rewritten weekly and served at /directory/donnees-ouvertes/.
OPENDATA_ROOT = Path(os.environ.get("OPENDATA_ROOT") or MEDIA_ROOT / "opendata")

# E-mail: printed on the console unless configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_FILE_PATH"):  # with the filebased backend (the production tests read the mail there)
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Guichet ESS <ne-pas-repondre@guichet-ess.localhost>")
if os.environ.get("EMAIL_URL"):
    _email = dj_database_url.parse(os.environ["EMAIL_URL"])  # smtp://user:password@host:port
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email["HOST"], int(_email["PORT"] or 25)
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["USER"], _email["PASSWORD"]
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# Celery: with REDIS_URL a real broker, without it tasks run eagerly in-process.
REDIS_URL = os.environ.get("REDIS_URL") or ""
# The broker is REDIS_URL unless CELERY_BROKER_URL names another one (e.g. a separate Redis, or RabbitMQ).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Absolute links in e-mails sent by tasks (no request there).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Link checks of websites and offer pages (curation/services/link_check.py), run by the weekly beat task, a
# curator's « re-vérifier » or `manage.py check_links`; never while a page is served. Timeout per request (s),
# requests at once overall and per host (politeness), and how old a check must be for the weekly run to redo it
# (6 days: everything the previous week's run checked, whenever it finished).
LINK_CHECK_TIMEOUT = float(os.environ.get("LINK_CHECK_TIMEOUT", "10"))
LINK_CHECK_CONCURRENCY = int(os.environ.get("LINK_CHECK_CONCURRENCY", "8"))
LINK_CHECK_PER_HOST = int(os.environ.get("LINK_CHECK_PER_HOST", "2"))
LINK_CHECK_MAX_REDIRECTS = 5
LINK_CHECK_MAX_AGE_DAYS = int(os.environ.get("LINK_CHECK_MAX_AGE_DAYS", "6"))
LINK_CHECK_CHUNK_SIZE = int(os.environ.get("LINK_CHECK_CHUNK_SIZE", "100"))  # entries per task
LINK_CHECK_USER_AGENT = f"GuichetESS-LinkChecker/1.0 (+{SITE_URL})"
# URLs come from editors and the public form: private and loopback addresses are refused unless allowed here.
LINK_CHECK_ALLOW_PRIVATE_ADDRESSES = env_bool("LINK_CHECK_ALLOW_PRIVATE_ADDRESSES", False)
# Referrals: the daily run sends reminders,
# expires unanswered lines, sends satisfaction surveys and purges personal data.
# Curators' imports (curation/services/uploads.py): checked before anything is parsed.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
# An XLSX is a zip: the sum of its members' declared sizes, read from the zip directory before unpacking.
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 50_000))

CELERY_IMPORTS = ["funding.referrals.tasks"]
CELERY_BEAT_SCHEDULE = {
    # Each campaign's own period is data (UpdateCampaign.period_days): the daily tick starts those that are due.
    "update-campaigns": {"task": "curation.tasks.run_update_campaigns", "schedule": crontab(hour=7, minute=0)},
    # Weekly, at night: websites and offer pages of published entries (Monday 03:00, Europe/Paris).
    "link-check-weekly": {
        "task": "curation.tasks.check_due_links",
        "schedule": crontab(day_of_week="mon", hour=3, minute=0),
    },
    # Every e-mail goes through the outbox (accounts.outbox): the flush re-queues what the broker could not take.
    "outbox-flush": {"task": "accounts.tasks.flush_emails", "schedule": 60.0},
    "outbox-purge": {"task": "accounts.tasks.purge_sent_emails", "schedule": crontab(hour=4, minute=45)},
    "referrals-daily": {"task": "funding.referrals.tasks.referral_daily", "schedule": crontab(hour=6, minute=15)},
    # Sign-ups never activated are deleted after a week (their link expires after three days).
    "accounts-purge-pending": {"task": "accounts.tasks.purge_pending_accounts", "schedule": crontab(hour=4, minute=30)},
    # White zones of all France, every night (imports and approvals also queue their région, debounced).
    "white-zones-nightly": {
        "task": "support_chain.tasks.compute_white_zones_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Alerts: the daily digest of new offers and calls (idempotent; one e-mail per subscription and day).
    "alerts-daily": {"task": "funding.tasks.alerts_daily", "schedule": crontab(hour=7, minute=30)},
    # Open data: the data·inclusion and dispositif-aide files at their stable address (Sunday 02:30).
    "opendata-weekly": {
        "task": "directory.tasks.export_opendata_files",
        "schedule": crontab(day_of_week="sun", hour=2, minute=30),
    },
}

# The cache is shared by every web node and worker (Redis): throttles, the login lock and sessions count across
# all of them. It degrades to misses when Redis is down (portal/cache.py), with short socket timeouts.
CACHES = {
    "default": (
        {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "guichet",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions in the cache, written through to the database: a Redis restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
# A publish must never hang a request on a dead broker (e-mails go through the outbox, accounts.outbox.publish).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # A message a worker took and never acknowledged (killed mid-task) is delivered again after this delay.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_REJECT_ON_WORKER_LOST = True

# How many reverse proxies of ours stand in front of the web nodes: every throttle (accounts.throttle.client_ip,
# the API's) reads the client's address through them and through nothing else. 0: X-Forwarded-For is ignored.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

# Map: the tile server is a setting, so tests and air-gapped deployments never depend on external tiles.
MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")


def _origin(url_template: str) -> str:
    """The origin a tile URL template loads from, « {s}. » subdomains as a wildcard: https://*.tile.example.org."""
    from urllib.parse import urlsplit

    parts = urlsplit(url_template.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Content-Security-Policy (django-csp), in every environment so the browser tests run under it: scripts only from
# our static files, plus the nonce django-leaflet's map tag carries (templates pass request.csp_nonce); tiles from
# the configured tile server; nothing framed, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [_origin(MAP_TILES_URL)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (46.6, 2.4),
    "DEFAULT_ZOOM": 6,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 18,
    "TILES": [("OpenStreetMap", MAP_TILES_URL, {"attribution": "© OpenStreetMap"})],
}

# API: read-only public endpoints share the pages' filter sets; the schema is generated by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "NUM_PROXIES": NUM_PROXIES,  # DRF's own throttles too (ours use accounts.throttle.client_ip, which reads it)
    # The match API's limit per client (funding/api.py); the load benchmark raises it to measure the page itself.
    "DEFAULT_THROTTLE_RATES": {"match": os.environ.get("MATCH_API_RATE", "120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guichet ESS API",
    "DESCRIPTION": "Annuaire et mise en relation de l'économie sociale et solidaire.",
    "VERSION": "1",
}

# The territorial referential shipped with the code (see scripts/build_territories.py).
TERRITORIES_FIXTURE = BASE_DIR / "fixtures" / "territories" / "cog.json.gz"
DEMO_DIRECTORY_CSV = BASE_DIR / "fixtures" / "demo" / "directory.csv"
DEMO_PERMANENCES_CSV = BASE_DIR / "fixtures" / "demo" / "permanences.csv"

# A région's directory counts as filled in once it has a curator and at least this many published structures;
# until then its chain says « L'annuaire de cette région n'est pas encore renseigné » (support_chain/selectors.py).
REGION_MIN_STRUCTURES = int(os.environ.get("REGION_MIN_STRUCTURES", "20"))

# Logs: plain lines in development, one JSON object a line in production (LOG_FORMAT=json, the prod default),
# each with the request id (portal/observability.py). Access lines are the app's own (no query strings).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.observability.RequestIdFilter"},
        "quiet_forbidden": {"()": "portal.errors.QuietForbidden"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portal.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own request log repeats what the access line says; its 5xx lines (with tracebacks) stay.
        "django.request": {"level": "ERROR", "filters": ["quiet_forbidden"]},
        "portal.access": {"level": os.environ.get("ACCESS_LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO"))},
    },
}

# Proximity: an offer is « près de chez vous » (reachable in person) when one of its places (its structure's
# address or a permanence in a third place) lies within this many km of the commune's point, in a straight line.
# A straight line is a proxy for travel time (30 km ≈ 30 to 40 minutes by road in rural France). Checked at
# start-up: more than 0 and at most 200 (directory/geo.py).
try:
    PROXIMITY_RADIUS_KM = float(os.environ.get("PROXIMITY_RADIUS_KM", "30"))
except ValueError:  # not a number: kept as given, so the system check names it in French
    PROXIMITY_RADIUS_KM = os.environ["PROXIMITY_RADIUS_KM"]
# After an import or an approval, the white zones of the région are recomputed this many seconds later, once
# for a burst of changes (support_chain/white_zones.py); None: only nightly and by `manage.py compute_white_zones`.
WHITE_ZONES_REFRESH_DELAY = 300
TERRITORIES_GEO_FIXTURE = BASE_DIR / "fixtures" / "territories" / "geo.json.gz"
