import datetime

import pytest

from directory import needs_watch
from directory.models import NeedSignal
from support_chain.observatory.summaries import summarise_offers
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.browser


def test_observatory_page_charts_and_tables_pass_axe(site, page):
    from tests.browser.axe import assert_accessible

    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence", "creation"], support_level=2)
    summarise_offers()  # what the white zones' run does
    faux = commune("23077")
    today = datetime.date.today()
    for _ in range(5):
        needs_watch.record(commune=faux, signal=NeedSignal.PARCOURS, unmet=True, needs=["financement"], day=today)
    page.goto(site + "/observatoire/DEP-23/")
    assert page.locator("h1").inner_text() == "Observatoire de l'ESS : Creuse"
    # Each chart is an image with a text alternative, and its figures are in a table with a caption.
    charts = page.locator("svg[role=img]")
    assert charts.count() == 3
    assert page.locator("table caption").count() == 3
    row = page.locator("tr", has=page.locator("th", has_text="Financement"))
    assert row.locator("td").all_inner_texts() == ["5", "5"]
    assert page.locator("svg rect").first.get_attribute("width") == "100.0"
    assert_accessible(page)
