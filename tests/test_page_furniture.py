"""What every page carries besides its content, through the Flask test client on the real built
graph: the icon, the licence line once, and in-page links that lead somewhere."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from web import create_app

OGL_EN = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_CY = "Yn cynnwys gwybodaeth y sector cyhoeddus a drwyddedir o dan y Drwydded Llywodraeth Agored v3.0."
KDE = "kde-2-1-ambulance-handover-45-minutes"
DOCUMENTS = ("tpg", "ncf")


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def html(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_every_in_page_link_of_a_document_page_leads_to_an_element_on_it(client, doc):
    page = BeautifulSoup(html(client.get(f"/documents/{doc}")), "html.parser")
    ids = {element["id"] for element in page.find_all(id=True)}
    targets = [a["href"][1:] for a in page.find_all("a", href=True) if a["href"].startswith("#")]
    headings = [a["href"][1:] for a in page.select("nav.headings a[href^='#']")]
    assert len(headings) > 10
    missing = [t for t in targets if t not in ids]
    assert not missing, missing


def test_the_icon_is_served_where_browsers_look_and_named_by_every_page(client):
    with client.get("/favicon.ico") as icon:
        icon.get_data()
    assert icon.status_code == 200
    assert icon.mimetype.startswith("image/")
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.cache_control.max_age >= 7 * 24 * 3600 and icon.cache_control.public
    for path in ("/", "/sparql", "/documents/tpg", "/id/no-such-thing"):
        response = client.get(path, headers={"Accept": "text/html"})
        links = BeautifulSoup(response.get_data(as_text=True), "html.parser").select("link[rel~=icon]")
        assert links, path
        for link in links:
            with client.get(link["href"]) as named:
                named.get_data()
            assert named.status_code == 200 and named.mimetype.startswith("image/"), (path, link["href"])


#: One page of each kind: home, search, an item quoting its passage, a trace, deadlines, a
#: document, the named queries, a query's answer, the SPARQL page, a plan form and an error.
PAGES = ["/", "/search?q=NHS+trusts", "/search?q=ambulance", "/id/duty-of-quality", f"/id/{KDE}",
         f"/id/{KDE}/trace", "/deadlines", "/documents/tpg", "/documents/ncf", "/queries",
         "/queries/due-between?start=2026-04-01&end=2027-03-31", "/sparql", "/plans/check", "/targets/check",
         "/id/no-such-thing"]


@pytest.mark.parametrize("lang, licence", [("en", OGL_EN), ("cy", OGL_CY)])
def test_the_licence_line_is_said_once_on_every_page(client, lang, licence):
    for path in PAGES:
        response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), (path, response.status_code)
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        assert page.get_text().count(licence) == 1, (path, page.get_text().count(licence))
        assert licence in page.find("footer", class_="site").get_text(), path
