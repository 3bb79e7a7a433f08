"""What the public pages cache (facet counts, the home page's counts, ETags) never outlives a write to the directory,
whichever path the write takes: the ORM, the importer, the admin, a curator's action, a bulk insert."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from directory.cache import directory_version
from directory.models import Offer, PublicationStatus
from directory.services.bulk import insert_many
from directory.services.importer import COLUMNS, import_offers
from tests.factories import OfferFactory, StructureFactory, commune, make_curator, session_queries

pytestmark = pytest.mark.django_db

SEARCH = reverse("directory:search")


@pytest.fixture
def public():
    """An anonymous visitor."""
    return Client()


def found(client, **params):
    """What the search page shows: (the number of results it announces, the titles on the page, the offer-type
    facet's counts), read from the HTML (a kept page has no template context)."""
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    content = response.content.decode()
    total = int(re.search(r'<h2 id="resultats">\s*(\d+) offres?', content).group(1))
    titles = [html.unescape(title) for title in re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', content)]
    counts = {
        value: int(count)
        for value, count in re.findall(
            r'name="offer_type" value="([\w-]+)"[^>]*>\s*<label[^>]*>[^<]*<span class="facet-count">\((\d+)', content
        )
    }
    return total, titles, counts


def home_offer_count(client) -> int:
    content = client.get(reverse("home")).content.decode()
    return int(re.sub(r"\D", "", re.search(r'data-count="offers">([^<]*)<', content).group(1)))


def test_an_orm_write_shows_on_the_next_request(public):
    first = OfferFactory(title="Première", offer_type="financement", coverage=["COM-23077"])
    assert found(public) == (1, ["Première"], {"financement": 1})
    assert found(public) == (1, ["Première"], {"financement": 1})  # the kept page
    assert found(public, territory="COM-23077")[0] == 1
    assert home_offer_count(public) == 1
    OfferFactory(title="Seconde", offer_type="accompagnement", coverage=["DEP-23"])
    total, titles, counts = found(public)
    assert total == 2 and set(titles) == {"Première", "Seconde"} and counts == {"financement": 1, "accompagnement": 1}
    assert found(public, territory="COM-23077")[0] == 2
    assert home_offer_count(public) == 2
    # Unpublishing, a relation change and a structure's status all count as writes.
    first.status = PublicationStatus.DRAFT
    first.save()
    assert found(public)[:2] == (1, ["Seconde"])
    seconde = Offer.objects.get(title="Seconde")
    seconde.coverage.set([commune("14118")])
    assert found(public, territory="COM-23077")[0] == 0
    seconde.structure.status = PublicationStatus.ARCHIVED
    seconde.structure.save()
    assert found(public)[0] == 0 and home_offer_count(public) == 0


def test_an_import_shows_on_the_next_request(public):
    assert found(public)[0] == 0
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        structure_name="Coop importée",
        structure_roles="support",
        structure_commune="23077",
        offer_ref="imp-1",
        offer_title="Offre importée",
        offer_type="accompagnement",
        stages="emergence",
        support_level="2",
        coverage="COM-23077",
    )
    text = ",".join(COLUMNS) + "\n" + ",".join(row[column] for column in COLUMNS) + "\n"
    import_offers(text)
    assert found(public)[:2] == (1, ["Offre importée"])
    assert found(public, territory="COM-23077")[0] == 1
    assert home_offer_count(public) == 1


def test_an_admin_write_shows_on_the_next_request(public, admin_client):
    offer = OfferFactory(title="À supprimer")
    assert found(public)[0] == 1
    response = admin_client.post(reverse("admin:directory_offer_delete", args=[offer.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Offer.objects.exists()
    assert found(public)[0] == 0 and home_offer_count(public) == 0


def test_a_curators_action_shows_on_the_next_request(public, client):
    offer = OfferFactory(title="À archiver", structure=StructureFactory(commune=commune("23077")))
    assert found(public)[:2] == (1, ["À archiver"])
    client.force_login(make_curator("REG-75"))
    response = client.post(
        reverse("curation:entry_action", args=["offre", offer.pk]), {"action": "archive", "reason": "Fermée"}
    )
    assert response.status_code == 302
    assert found(public)[0] == 0


def test_a_bulk_insert_shows_on_the_next_request(public):
    """Rows written without the ORM's signals (COPY, executemany) bump the version themselves."""
    offer = OfferFactory(title="Couverture ajoutée", coverage=["DEP-14"])
    assert found(public, territory="COM-23077")[0] == 0
    insert_many(Offer.coverage.through._meta.db_table, ["offer_id", "territory_id"], [(offer.pk, commune("23077").pk)])
    assert found(public, territory="COM-23077")[:2] == (1, ["Couverture ajoutée"])


def test_narrowness_is_kept_by_the_triggers_whatever_the_write():
    offer = OfferFactory(coverage=["FR"])
    assert Offer.objects.values_list("narrowness", flat=True).get(pk=offer.pk) == 5
    offer.coverage.add(commune("23077"))
    assert Offer.objects.values_list("narrowness", flat=True).get(pk=offer.pk) == 0
    offer.title = "Rechargée"  # an instance holding the old value saves it: the trigger recomputes it
    offer.save()
    assert Offer.objects.values_list("narrowness", flat=True).get(pk=offer.pk) == 0
    offer.coverage.clear()
    assert Offer.objects.values_list("narrowness", flat=True).get(pk=offer.pk) is None


def test_anonymous_pages_answer_a_conditional_get_with_304_until_the_directory_changes(public, client):
    offer = OfferFactory(title="Étiquetée")
    for url in (SEARCH, reverse("home"), offer.get_absolute_url(), offer.structure.get_absolute_url()):
        response = public.get(url)
        etag = response["ETag"]
        assert public.get(url, headers={"if-none-match": etag}).status_code == 304
    OfferFactory(title="Nouvelle")
    response = public.get(SEARCH, headers={"if-none-match": etag})
    assert response.status_code == 200 and response["ETag"] != etag and "Nouvelle" in response.content.decode()
    # A signed-in user's page is personal: no ETag, never a 304.
    client.force_login(make_curator("REG-75"))
    assert not client.get(SEARCH).has_header("ETag")


def test_a_kept_search_page_runs_no_query_and_a_signed_in_one_no_count(public, client, django_assert_num_queries):
    faux = commune("23077")
    for _index in range(3):  # in person on the spot: a search that found help, so its page may be kept
        structure = StructureFactory(commune=faux, latitude=faux.point[0], longitude=faux.point[1])
        OfferFactory(structure=structure, coverage=["COM-23077"], stages=["creation"], mode_presentiel=True)
    params = {"territory": "COM-23077", "stage": "creation"}
    first = found(public, **params)
    version = directory_version()
    with django_assert_num_queries(0):  # the page an anonymous visitor got, kept under the directory version
        assert found(public, **params) == first
    assert directory_version() == version  # reading bumps nothing
    # A signed-in user's page is rendered each time, but the facet counts, the total they give, the page's ids and
    # the vocabularies come from the cache: the session and user, territory and stage validation, the cards and
    # their stages and coverage, the navigation's roles, the demo banner, the needs watch's check (help in person
    # here: nothing is counted); never a COUNT.
    client.force_login(make_curator("REG-75"))
    client.get(SEARCH, params)
    with django_assert_num_queries(9 + session_queries()) as captured:
        response = client.get(SEARCH, params)
    assert response.context["page"].paginator.count == 3
    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


def chain_titles(client, key) -> set[str]:
    """The offers a chain page lists, read from its HTML (a kept page has no template context)."""
    response = client.get(reverse("support_chain:chain_detail", args=[key]))
    assert response.status_code == 200
    titles = re.findall(r'<a href="/directory/offres/\d+/">([^<]*)</a>', response.content.decode())
    return {html.unescape(title) for title in titles}


def test_a_chain_page_is_kept_until_the_next_write(public, django_assert_num_queries):
    offer = OfferFactory(title="Couveuse locale", stages=["creation"], coverage=["DEP-23"])
    keys = ("COM-23077", commune("23077").epci.key, "DEP-23")
    for key in keys:
        assert chain_titles(public, key) == {"Couveuse locale"}
    with django_assert_num_queries(0):  # kept under the directory version
        assert chain_titles(public, "COM-23077") == {"Couveuse locale"}
    OfferFactory(title="Nouvelle coopérative", stages=["emergence"], coverage=["FR"])
    for key in keys:
        assert chain_titles(public, key) == {"Couveuse locale", "Nouvelle coopérative"}
    offer.status = PublicationStatus.DRAFT
    offer.save()
    assert chain_titles(public, "DEP-23") == {"Nouvelle coopérative"}
    Offer.objects.filter(pk=offer.pk).update(status=PublicationStatus.PUBLISHED)  # no signal: update() bumps itself
    assert chain_titles(public, "DEP-23") == {"Couveuse locale", "Nouvelle coopérative"}


def test_a_chain_page_answers_a_conditional_get_and_a_visitor_with_a_session_gets_it_computed(public, client):
    OfferFactory(title="Étiquetée", coverage=["DEP-23"])
    url = reverse("support_chain:chain_detail", args=["DEP-23"])
    etag = public.get(url)["ETag"]
    assert public.get(url, headers={"if-none-match": etag}).status_code == 304
    client.force_login(make_curator("REG-75"))
    response = client.get(url)
    assert not response.has_header("ETag") and "Étiquetée" in response.content.decode()


def test_a_curator_added_or_removed_shows_on_the_chain_page_at_once(public, settings):
    """The chain's banner (« L'annuaire de cette région n'est pas encore renseigné ») reads the région's curators:
    giving or taking a région from a curator is a write to the directory."""
    settings.REGION_MIN_STRUCTURES = 1
    StructureFactory(commune=commune("23077"))
    url = reverse("support_chain:chain_detail", args=["COM-23077"])
    assert "data-region-banner" in public.get(url).content.decode()
    user = make_curator("REG-75")
    assert "data-region-banner" not in public.get(url).content.decode()
    user.curator.regions.clear()
    assert "data-region-banner" in public.get(url).content.decode()
    user.curator.regions.add(commune("23077").region)
    assert "data-region-banner" not in public.get(url).content.decode()
    user.delete()
    assert "data-region-banner" in public.get(url).content.decode()


def test_a_setting_the_pages_depend_on_changes_them_without_a_write(public, settings):
    """A deploy changing the proximity radius or the curated-région threshold serves nothing computed before."""
    settings.REGION_MIN_STRUCTURES = 1
    StructureFactory(commune=commune("23077"))
    make_curator("REG-75")
    url = reverse("support_chain:chain_detail", args=["COM-23077"])
    first = public.get(url)
    assert "data-region-banner" not in first.content.decode()
    settings.REGION_MIN_STRUCTURES = 5
    again = public.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200 and "data-region-banner" in again.content.decode()
