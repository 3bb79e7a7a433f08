"""Check that structures' websites and offers' pages still answer, politely, and record what came of it.

The network part (`check_urls`) knows nothing of the database: a batch of URLs in, one `LinkResult` per distinct
URL out. Each URL is asked once however many entries share it (HEAD first, GET when the server mishandles HEAD),
with a timeout per request, at most LINK_CHECK_CONCURRENCY requests at once overall and LINK_CHECK_PER_HOST at
once per host. Only http(s) URLs are fetched, never on a private or loopback address (the URLs are typed by
editors and by the public form: the checker must not become a way to probe the internal network); the address
is checked on the socket actually opened, so a redirect or a DNS answer cannot get round it.

The database part (`link_checks_run`) picks the entries, calls `check_urls` outside any transaction, then
records the results; it is idempotent for a given `checked_before` (see there). Checks run from the Celery beat
task, a curator's « re-vérifier » (queued) or the `check_links` command, never while a page is being served.
Logs carry counts only: no URL (they may carry a token or a name) and nothing about who asked.
"""

import dataclasses
import datetime
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from http.cookiejar import CookieJar
from itertools import zip_longest
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from accounts.outbox import publish
from curation.models import LinkCheck, LinkOutcome
from curation.models.links import SUCCESSES
from directory.models import Offer, Structure

# Queued by name: services never import tasks (the tasks import the services).
CHECK_LINKS = "curation.tasks.check_links"

logger = logging.getLogger(__name__)

# The server answers but keeps robots out: a person following the link gets through, so it is not broken.
RESTRICTED_STATUSES = {401, 403, 429}

Progress = Callable[[str, int, int], None]


# --- The network part ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkResult:
    url: str
    outcome: str
    status_code: int | None = None
    final_url: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESSES


@dataclass(frozen=True)
class CheckOptions:
    timeout: float
    concurrency: int
    per_host: int
    max_redirects: int
    user_agent: str
    allow_private: bool

    @classmethod
    def from_settings(cls, **overrides) -> "CheckOptions":
        values = {
            "timeout": settings.LINK_CHECK_TIMEOUT,
            "concurrency": settings.LINK_CHECK_CONCURRENCY,
            "per_host": settings.LINK_CHECK_PER_HOST,
            "max_redirects": settings.LINK_CHECK_MAX_REDIRECTS,
            "user_agent": settings.LINK_CHECK_USER_AGENT,
            "allow_private": settings.LINK_CHECK_ALLOW_PRIVATE_ADDRESSES,
        }
        values.update(overrides)
        return cls(**values)


class ForbiddenAddress(OSError):
    """The host resolves to a private, loopback, link-local or otherwise non-public address."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _open_socket(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *, allow_private: bool):
    """socket.create_connection, refusing non-public addresses unless allowed (checked on what is connected)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private and not all(_is_public(info[4][0]) for info in infos):
        raise ForbiddenAddress(f"non-public address for {host}")
    last_error = None
    for family, kind, proto, _canonical, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error or OSError(f"no address for {host}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = partial(_open_socket, allow_private=allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, allow_private: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = partial(_open_socket, allow_private=allow_private)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req):
        return self.do_open(partial(_GuardedHTTPConnection, allow_private=self.allow_private), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool):
        super().__init__(context=ssl.create_default_context())
        self.allow_private = allow_private

    def https_open(self, req):
        return self.do_open(
            partial(_GuardedHTTPSConnection, allow_private=self.allow_private), req, context=self._context
        )


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    def __init__(self, max_redirects: int):
        super().__init__()
        self.max_redirections = max_redirects

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            return None  # an ftp:// or file:// redirect is not followed: the 3xx stays the answer
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and req.get_method() == "HEAD":
            redirected.method = "HEAD"  # Python 3.11 follows a HEAD's redirect with a GET (3.12 keeps HEAD)
        return redirected


def _opener(options: CheckOptions) -> urllib.request.OpenerDirector:
    """Only what a link check needs: http(s), redirects, cookies (some sites loop without them); no proxy from
    the environment, no file:, ftp: or data: handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _HTTPHandler(options.allow_private),
        _HTTPSHandler(options.allow_private),
        _RedirectHandler(options.max_redirects),
        urllib.request.HTTPCookieProcessor(CookieJar()),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def _classify(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):  # before URLError: it is one
        if 300 <= error.code < 400:
            too_many = str(error.msg).startswith(urllib.request.HTTPRedirectHandler.inf_msg)
            return LinkOutcome.TOO_MANY_REDIRECTS if too_many else LinkOutcome.HTTP_STATUS
        return LinkOutcome.HTTP_STATUS
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, ForbiddenAddress):
        return LinkOutcome.FORBIDDEN_ADDRESS
    if isinstance(cause, socket.gaierror):
        return LinkOutcome.DNS
    if isinstance(cause, ssl.SSLError | ssl.CertificateError):  # before TimeoutError/OSError: both are OSErrors
        return LinkOutcome.SSL
    if isinstance(cause, TimeoutError):
        return LinkOutcome.TIMEOUT
    if isinstance(cause, ConnectionRefusedError):
        return LinkOutcome.REFUSED
    if isinstance(cause, http.client.InvalidURL | ValueError | UnicodeError):
        return LinkOutcome.INVALID_URL
    if isinstance(error, urllib.error.URLError) and isinstance(cause, str):
        return LinkOutcome.INVALID_URL  # « unknown url type »
    return LinkOutcome.CONNECTION


def _request(opener, url: str, method: str, options: CheckOptions) -> LinkResult:
    request = urllib.request.Request(
        url,
        method=method,
        headers={"User-Agent": options.user_agent, "Accept": "*/*", "Connection": "close"},
    )
    try:
        # The body is never read: the status line and headers say whether the page is there.
        with opener.open(request, timeout=options.timeout) as response:
            return LinkResult(url, LinkOutcome.OK, response.status, response.geturl())
    except urllib.error.HTTPError as error:
        error.close()
        outcome = _classify(error)
        if outcome == LinkOutcome.HTTP_STATUS and error.code in RESTRICTED_STATUSES:
            outcome = LinkOutcome.RESTRICTED
        return LinkResult(url, outcome, error.code, error.geturl() or "")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return LinkResult(url, _classify(error))


def _ascii_url(url: str) -> str:
    """The URL as sent on the wire: an accented domain in IDNA, an accented path percent-encoded (as browsers do)."""
    parts = urlsplit(url)
    host = parts.hostname.encode("idna").decode("ascii")
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    return iri_to_uri(parts._replace(netloc=netloc).geturl())


def fetch(url: str, options: CheckOptions) -> LinkResult:
    """Check one URL: HEAD, then GET when HEAD got an error status (many servers refuse or mishandle HEAD)."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return LinkResult(url, LinkOutcome.INVALID_URL)
        wire_url = _ascii_url(url)
    except (ValueError, UnicodeError):
        return LinkResult(url, LinkOutcome.INVALID_URL)
    opener = _opener(options)
    result = _request(opener, wire_url, "HEAD", options)
    if result.status_code is not None and result.status_code >= 400:
        result = _request(opener, wire_url, "GET", options)
    return dataclasses.replace(result, url=url)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _interleave_by_host(urls: list[str]) -> list[str]:
    """One URL of each host in turn, so workers rarely wait on a host's politeness limit."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[_host(url)].append(url)
    return [url for row in zip_longest(*by_host.values()) for url in row if url is not None]


def check_urls(
    urls: Iterable[str], *, options: CheckOptions | None = None, progress: Progress | None = None
) -> dict[str, LinkResult]:
    """Check every distinct URL once, concurrently within the limits; {url: result}."""
    options = options or CheckOptions.from_settings()
    distinct = _interleave_by_host(list(dict.fromkeys(url for url in urls if url)))
    if not distinct:
        return {}
    slots = {host: threading.BoundedSemaphore(options.per_host) for host in map(_host, distinct)}

    def polite_fetch(url: str) -> LinkResult:
        with slots[_host(url)]:
            try:
                return fetch(url, options)
            except Exception as error:  # one odd server must not lose the other results of the batch
                logger.warning("link check failed unexpectedly: %s", type(error).__name__)
                return LinkResult(url, LinkOutcome.CONNECTION)

    results = {}
    with ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="link-check") as pool:
        futures = {pool.submit(polite_fetch, url): url for url in distinct}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(_("Vérification des liens"), done, len(distinct))
    return results


# --- The database part ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """One URL owner: a structure's website or an offer's page."""

    kind: str  # "structure" or "offer"
    pk: int
    url: str


@dataclass
class RunReport:
    entries: int = 0
    urls: int = 0
    ok: int = 0
    failing: int = 0
    broken: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _not_checked_since(queryset, owner_field: str, url_field: str, checked_before: datetime.datetime):
    """Entries with no check of their current URL at or after `checked_before`."""
    done = LinkCheck.objects.filter(
        **{owner_field: OuterRef("pk")}, url=OuterRef(url_field), checked_at__gte=checked_before
    )
    return queryset.exclude(**{url_field: ""}).exclude(Exists(done))


def owners_due(
    *,
    checked_before: datetime.datetime,
    structures=None,
    offers=None,
    limit: int | None = None,
) -> list[Owner]:
    """The websites and offer pages not checked since `checked_before`, never-checked ones first, then the oldest.

    Without querysets: published structures and published offers of published structures.
    """
    structures = Structure.objects.published() if structures is None else structures
    offers = Offer.objects.published() if offers is None else offers
    rows = []
    for kind, queryset, url_field in (("structure", structures, "website"), ("offer", offers, "url")):
        last_checked = LinkCheck.objects.filter(**{kind: OuterRef("pk")}).values("checked_at")[:1]
        due = (
            _not_checked_since(queryset, kind, url_field, checked_before)
            .annotate(last_checked=last_checked)
            .order_by(F("last_checked").asc(nulls_first=True), "pk")
            .values_list("pk", url_field, "last_checked")
        )
        rows += [(last, kind, pk, url) for pk, url, last in due[:limit]]
    rows.sort(key=lambda row: (row[0] is not None, row[0] or checked_before, row[1], row[2]))
    return [Owner(kind, pk, url) for _last, kind, pk, url in rows[:limit]]


def link_checks_run(
    *,
    owners: list[Owner],
    checked_before: datetime.datetime,
    options: CheckOptions | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Check the owners' URLs (each distinct URL once) and record the results.

    Idempotent for a given `checked_before`: an owner whose current URL was checked at or after it is skipped,
    here and again when recording (a duplicate delivery of the same task, or two runs at once, count one failure,
    not two).
    """
    owners = [owner for owner in owners if owner.url]
    report = RunReport(entries=len(owners))
    # The network part holds no transaction and no lock: it may take minutes.
    results = check_urls((owner.url for owner in owners), options=options, progress=progress)
    report.urls = len(results)
    _record(owners, results, checked_before, report)
    logger.info(
        "link check: %d entries, %d URLs, %d ok, %d failing (%d broken), %d skipped",
        report.entries,
        report.urls,
        report.ok,
        report.failing,
        report.broken,
        report.skipped,
    )
    return report


@transaction.atomic
def _record(owners: list[Owner], results: dict[str, LinkResult], checked_before, report: RunReport) -> None:
    now = timezone.now()
    structure_ids = [o.pk for o in owners if o.kind == "structure"]
    offer_ids = [o.pk for o in owners if o.kind == "offer"]
    current_urls = {
        ("structure", pk): url
        for pk, url in Structure.objects.filter(pk__in=structure_ids).values_list("pk", "website")
    }
    current_urls |= {("offer", pk): url for pk, url in Offer.objects.filter(pk__in=offer_ids).values_list("pk", "url")}
    existing = {}
    for check in LinkCheck.objects.select_for_update().filter(
        Q(structure_id__in=structure_ids) | Q(offer_id__in=offer_ids)
    ):
        existing[("structure", check.structure_id) if check.structure_id else ("offer", check.offer_id)] = check
    to_create, to_update = [], []
    for owner in owners:
        key = (owner.kind, owner.pk)
        result = results.get(owner.url)
        check = existing.get(key)
        if result is None or current_urls.get(key) != owner.url:
            report.skipped += 1  # the entry is gone, or its URL changed while we were checking: next run
            continue
        if check is not None and check.url == owner.url and check.checked_at >= checked_before:
            report.skipped += 1  # already recorded by another run for this same request
            continue
        if check is None:
            check = LinkCheck(**{f"{owner.kind}_id": owner.pk}, consecutive_failures=0)
            to_create.append(check)
        else:
            to_update.append(check)
        _apply(check, result, now)
        if result.ok:
            report.ok += 1
        else:
            report.failing += 1
            report.broken += check.is_broken
    LinkCheck.objects.bulk_create(to_create, ignore_conflicts=True)
    LinkCheck.objects.bulk_update(to_update, RESULT_FIELDS)


RESULT_FIELDS = [
    "url",
    "final_url",
    "outcome",
    "status_code",
    "checked_at",
    "consecutive_failures",
    "failing_since",
    "ignored_at",
    "ignored_by",
    "ignore_reason",
]


def _apply(check: LinkCheck, result: LinkResult, now) -> None:
    if check.url != result.url:
        # Another URL: its story starts over, and a decision about the old one does not carry over.
        check.consecutive_failures, check.failing_since = 0, None
        _clear_ignore(check)
    check.url = result.url
    check.final_url = result.final_url[:2000]
    check.outcome = result.outcome
    check.status_code = result.status_code
    check.checked_at = now
    if result.ok:
        if check.consecutive_failures and check.ignored_at:
            _clear_ignore(check)  # it was repaired: if it breaks again, that is news again
        check.consecutive_failures, check.failing_since = 0, None
    else:
        check.consecutive_failures = min(check.consecutive_failures + 1, 32767)
        check.failing_since = check.failing_since or now


def _clear_ignore(check: LinkCheck) -> None:
    check.ignored_at, check.ignored_by, check.ignore_reason = None, None, ""


# --- Curators' actions ---------------------------------------------------------------------------------------


def _owner_of(check: LinkCheck) -> Owner:
    if check.offer_id:
        return Owner("offer", check.offer_id, check.offer.url)
    return Owner("structure", check.structure_id, check.structure.website)


def link_recheck_request(*, link_check: LinkCheck) -> None:
    """« Re-vérifier maintenant »: queue a check of the entry's current URL once the request is committed."""
    owner = _owner_of(link_check)
    requested_at = timezone.now().isoformat()
    ids = {"structure_ids": [owner.pk]} if owner.kind == "structure" else {"offer_ids": [owner.pk]}
    # A dead broker must not hang the curator's page: the weekly run checks these links anyway.
    transaction.on_commit(lambda: publish(CHECK_LINKS, kwargs={**ids, "checked_before": requested_at}))


@transaction.atomic
def link_check_ignore(*, link_check: LinkCheck, user, reason: str) -> LinkCheck:
    """« Ignorer »: the curator knows (the site blocks robots, a new address is coming…); kept in the history."""
    if not reason.strip():
        raise ValidationError(_("Indiquez pourquoi ce lien peut être ignoré."))
    link_check = LinkCheck.objects.select_for_update().get(pk=link_check.pk)
    link_check.ignored_at = timezone.now()
    link_check.ignored_by = user
    link_check.ignore_reason = reason
    link_check._change_reason = (_("Lien ignoré : %(reason)s") % {"reason": reason})[:100]
    link_check._history_user = user
    link_check.save()
    return link_check


@transaction.atomic
def link_check_restore(*, link_check: LinkCheck, user, reason: str = "") -> LinkCheck:
    """« Ne plus ignorer »: the link is listed again while it stays broken."""
    link_check = LinkCheck.objects.select_for_update().get(pk=link_check.pk)
    _clear_ignore(link_check)
    link_check._change_reason = (_("Lien de nouveau signalé") + (f" : {reason}" if reason else ""))[:100]
    link_check._history_user = user
    link_check.save()
    return link_check
