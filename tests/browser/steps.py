"""Page steps the journeys share: a browser page at a given width, checks every page passes, sign-in, e-mails."""

from accounts.models import Email
from tests.browser.axe import axe_violations
from tests.browser.conftest import _block_external

PASSWORD = "mot-de-passe-solide-42"
WIDTHS = {"bureau": (1280, 900), "mobile": (360, 640)}


def open_page(browser, width: str):
    """A fresh browser context (its own cookies) at one of WIDTHS, outside requests refused."""
    w, h = WIDTHS[width]
    context = browser.new_context(locale="fr-FR", viewport={"width": w, "height": h})
    context.route("http*://**/*", _block_external)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def check(page) -> None:
    """Every page of a journey: no serious or critical axe violation, no horizontal scrolling."""
    page.wait_for_load_state("load")
    overflow = horizontal_overflow(page)
    assert overflow == 0, f"{page.url} scrolls horizontally by {overflow} px"
    violations = axe_violations(page)
    assert violations == [], (page.url, violations)


def sign_in(page, site: str, email: str) -> None:
    page.goto(site + "/compte/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def add_to_selection(page, offer_title: str) -> None:
    """Click « Ajouter à ma sélection » in the card, list item or page of the offer titled so."""
    holder = page.locator("li, main", has=page.get_by_role("link", name=offer_title, exact=True)).last
    holder.get_by_role("button", name="Ajouter à ma sélection").click()
    page.wait_for_load_state()


def selection_count(page) -> str:
    return page.locator(".selection-count").first.inner_text()


def link_in_email(kind: str, **filters) -> str:
    """The site path of the first link in the latest outbox e-mail of that kind."""
    body = Email.objects.filter(kind=kind, **filters).latest("pk").body
    return "/" + body.split("http://127.0.0.1:8000/", 1)[1].split()[0]


def below_header(page, selector: str) -> float:
    """How far down the element starts, measured from the bottom of the site header."""
    return page.evaluate(
        """(selector) => {
            const header = document.querySelector('.site-header').getBoundingClientRect().bottom + window.scrollY;
            const top = document.querySelector(selector).getBoundingClientRect().top + window.scrollY;
            return top - header;
        }""",
        selector,
    )
