"""« Le guichet de ma commune » inside a page of another origin: a commune's website, served here by a small
http.server on its own port (another origin than the live server). Allowed by the territory's list: shown and
accessible; not on the list: the browser refuses to frame it (CSP frame-ancestors)."""

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from directory.models import EmbedOrigin, Territory
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie de Faux-la-Montagne</title>
</head><body><main><h1>Mairie de Faux-la-Montagne</h1>
<iframe src="{src}" title="Vers qui me tourner ? Le guichet ESS" width="100%" height="640" style="border:0"></iframe>
</main></body></html>"""


class _HostPage(BaseHTTPRequestHandler):
    def __init__(self, *args, widget_url, **kwargs):
        self.widget_url = widget_url
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = HOST_PAGE.format(src=self.widget_url).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def commune_website():
    """Start a « commune website » serving a page that frames the given widget URL; returns its origin."""
    servers = []

    def start(widget_url):
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_HostPage, widget_url=widget_url))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def widget_frame(page):
    page.wait_for_load_state("load")
    return next(frame for frame in page.frames if frame is not page.main_frame)


def test_the_widget_inside_an_allowed_site_of_another_origin_is_shown_and_accessible(site, page, commune_website):
    from tests.browser.axe import axe_violations

    faux = commune("23077")
    structure = StructureFactory(commune=faux, name="Tiers-lieu du plateau")
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence"], title="Accueil des porteurs")
    widget_url = site.replace("localhost", "127.0.0.1") + "/guichet/COM-23077/"
    allowed = commune_website(widget_url)
    assert allowed.split(":")[2] != site.split(":")[2]  # another port: another origin than the portal
    EmbedOrigin.objects.create(territory=Territory.objects.get(key="COM-23077"), origin=allowed)

    with page.expect_response(widget_url) as answer:
        page.goto(allowed + "/")
    assert allowed in answer.value.headers["content-security-policy"]
    assert "set-cookie" not in answer.value.headers
    frame = widget_frame(page)
    assert frame.url == widget_url
    assert "Faux-la-Montagne" in frame.locator("body").inner_text()
    # The form searches the directory preset to the commune, without JavaScript (a plain GET form).
    assert frame.locator("form").count() >= 1
    assert page.context.cookies() == []
    violations = axe_violations(frame)
    assert violations == [], violations


def test_a_site_not_on_the_territorys_list_is_refused_by_frame_ancestors(site, page, commune_website):
    widget_url = site.replace("localhost", "127.0.0.1") + "/guichet/COM-23077/"
    listed = commune_website(widget_url)
    stranger = commune_website(widget_url)
    EmbedOrigin.objects.create(territory=Territory.objects.get(key="COM-23077"), origin=listed)
    refusals = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)

    with page.expect_response(widget_url) as answer:
        page.goto(stranger + "/")
    policy = answer.value.headers["content-security-policy"]
    assert listed in policy and stranger not in policy
    frame = widget_frame(page)
    page.wait_for_timeout(300)
    assert frame.locator("text=Faux-la-Montagne").count() == 0  # nothing of the widget is rendered
    assert refusals and "has been blocked" in refusals[0] and stranger not in refusals[0]
