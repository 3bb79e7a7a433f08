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
from .base import env_bool, env_list  # noqa: E402

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
