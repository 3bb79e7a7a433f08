"""The directory version: one number that every write to the directory bumps, and what public pages cache under it.

Public pages keep what does not depend on the request (the facet counts of a filter set, the home page's counts,
the rendered page of an anonymous visitor) in the default cache under the current version, and anonymous pages
send it in their ETag; a write to a structure,
an offer, their relations, a territory or a vocabulary bumps the number, so nothing cached before a write is read
after it. The number lives in the default cache: Redis in production (shared by every web and Celery process),
local memory in development.

Writes through the ORM (forms, admin, curation actions, the importer) bump it through the signals connected in
directory/apps.py; writers that bypass the ORM's signals (bulk inserts, raw SQL, `QuerySet.update`) call
`directory_changed()` themselves. The number is bumped at once (a read later in the same transaction sees the
change) and again after the commit (a page computed by another request between the two is never served after it).
If the cache is unreachable, pages compute everything and cache nothing.
"""

import hashlib
import logging
import re
import time
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

VERSION_KEY = "directory:version"
# Entries outlive no version anyway; the timeout only bounds the memory of versions nobody reads any more.
CACHE_TIMEOUT = 24 * 3600
# Apps whose models the public directory pages show (support_chain: the stage and need vocabularies).
DIRECTORY_APPS = {"directory", "support_chain"}


# Settings that change what the public pages show: a deploy changing one never serves what was computed before it.
PAGE_SETTINGS = ("PROXIMITY_RADIUS_KM", "REGION_MIN_STRUCTURES", "LANGUAGE_CODE")


def settings_fingerprint() -> str:
    values = repr(tuple(getattr(settings, name, None) for name in PAGE_SETTINGS))
    return hashlib.sha256(values.encode()).hexdigest()[:8]


def directory_version() -> int | None:
    """The current version, or None when the cache cannot be reached."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # First use, or the cache lost it (restart, eviction): start from the clock, above any number served.
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # noqa: BLE001 — a cache outage degrades to no caching, never to an error page
        logger.warning("directory version unavailable: the cache cannot be reached", exc_info=True)
        return None


def bump_directory_version() -> None:
    """A new version now (`directory_changed` is what writers call)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there: a fresh number from the clock is above every number served
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001
        logger.warning("directory version not bumped: the cache cannot be reached", exc_info=True)


def directory_changed(using: str | None = None) -> None:
    """Record a write to the directory: now, and again once the transaction commits (once per transaction)."""
    bump_directory_version()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(func is bump_directory_version for _s, func, _r in connection.run_on_commit):
        return  # already bumped after this transaction's commit (a rolled-back savepoint drops it, then re-added)
    transaction.on_commit(bump_directory_version, using=using)


def cached(name: str, key: object, compute):
    """`compute()`, kept under the directory version: the same `name` and `key` (a repr-able value) give it back
    until the next write."""
    version = directory_version()
    if version is None:
        return compute()
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cache_key = f"directory:{version}:{settings_fingerprint()}:{name}:{digest}"
    try:
        value = cache.get(cache_key)
    except Exception:  # noqa: BLE001
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(cache_key, value, CACHE_TIMEOUT)
        except Exception:  # noqa: BLE001
            logger.warning("directory cache not written", exc_info=True)
    return value


def on_model_write(sender, **kwargs) -> None:
    """post_save, post_delete and m2m_changed receiver: bump the version for the directory's models."""
    if sender._meta.app_label in DIRECTORY_APPS:
        on_public_write(sender, **kwargs)


def on_public_write(sender, **kwargs) -> None:
    """The same receiver for one model another app connects it to, because public pages read it (accounts'
    curators: whether a région's directory is curated)."""
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    directory_changed(using=kwargs.get("using"))


def public_etag(request, *args, **kwargs) -> str | None:
    """The ETag of a public page for an anonymous visitor: the directory version and the day (calls for projects
    open and close with it). None (no conditional GET) for a signed-in user, a pending message, a visitor with a
    session (what it holds, « Ma sélection » for one, shows on the pages) or no cache."""
    if (
        request.COOKIES.get("messages")
        or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        or getattr(request, "user", None) is None
        or request.user.is_authenticated
    ):
        return None
    version = directory_version()
    if version is None:
        return None
    return f'"{version}-{settings_fingerprint()}-{timezone.localdate().isoformat()}"'


def dont_keep(request) -> None:
    """The page this request renders has an effect each time it is seen (a needs-watch count): never keep it."""
    request.page_not_kept = True


# The one per-visitor value of a kept page: the CSRF token of its forms (« Ajouter à ma sélection » on every page).
# It is kept as a marker and each visitor gets their own token in its place.
CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_MARKER = rb"\g<1>__csrf_token__\g<2>"


# Rendered pages are kept for at most this long (the version changes first whenever the directory does; the timeout
# only bounds the memory of query strings nobody asks for again).
PAGE_TIMEOUT = 10 * 60


def cache_public_page(view):
    """Keep the rendered page of an anonymous GET under the directory version, the day and the full path.

    For the public directory pages, which depend on nothing else: a signed-in user, a visitor with a session, a
    pending message, a cache outage or a page that embedded a CSP nonce is rendered and never kept. The CSRF token
    of the page's forms is kept as a marker and replaced by the visitor's own token when the page is served.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        etag = public_etag(request) if request.method in ("GET", "HEAD") else None
        if etag is None:
            return view(request, *args, **kwargs)
        # A page may link back to the page of this site the visitor came from (« Retour à « Mon parcours » »):
        # the same-site referrer is part of what the page is.
        referrer = urlsplit(request.headers.get("Referer", ""))
        came_from = f"{referrer.path}?{referrer.query}" if referrer.netloc == request.get_host() else ""
        # The host too: a page may print its own address (« Imprimé depuis … »).
        page = f"{request.get_host()}|{request.get_full_path()}|{came_from}"
        digest = hashlib.sha256(page.encode()).hexdigest()[:32]
        key = f"directory:page:{etag.strip(chr(34))}:{digest}"
        try:
            kept = cache.get(key)
        except Exception:  # noqa: BLE001
            kept = None
        if kept is not None:
            content, content_type = kept
            token = get_token(request).encode()  # sets the visitor's CSRF cookie when they have none yet
            return HttpResponse(content.replace(b"__csrf_token__", token), content_type=content_type)
        response = view(request, *args, **kwargs)
        if getattr(request, "page_not_kept", False):
            # Each showing counts (the needs watch): no browser keeps it to revalidate with a 304 either.
            patch_cache_control(response, no_store=True)
            return response
        personal = getattr(request, "_csp_nonce", None)
        if response.status_code == 200 and not response.streaming and not personal:
            try:
                content = CSRF_VALUE.sub(CSRF_MARKER, response.content)
                cache.set(key, (content, response["Content-Type"]), PAGE_TIMEOUT)
            except Exception:  # noqa: BLE001
                logger.warning("page not cached", exc_info=True)
        return response

    return wrapper
