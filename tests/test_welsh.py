"""The service in Welsh: the message catalogue is complete, the language is chosen by address,
cookie or Accept-Language and kept in links, the graph's names are shown in Welsh where it has
them (and marked where it does not), and Welsh words find what they name."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from nhswales_web import create_app

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "web/translations/cy/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KDE = "kde-2-1-ambulance-handover-45-minutes"


def _po():
    with PO.open("rb") as f:
        return read_po(f)


# --- the catalogue --------------------------------------------------------------------------

def _extracted() -> set[str]:
    """Every message Babel extracts with the project's babel.cfg, as the catalogue is made."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_interface_string_has_a_welsh_translation():
    extracted = _extracted()
    assert len(extracted) > 300  # the templates, the views, the ontology's terms and the queries' words
    catalogue = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in _po() if m.id}
    missing = sorted(m for m in extracted if m not in catalogue)
    assert not missing, f"not in {PO.name} (run pybabel extract and update, see README): {missing}"
    untranslated = sorted(m for m in extracted if not all(
        s.strip() for s in (catalogue[m].string if isinstance(catalogue[m].string, tuple)
                            else (catalogue[m].string,))) or catalogue[m].fuzzy)
    assert not untranslated, f"no Welsh for: {untranslated}"


def test_the_compiled_catalogue_matches_the_po_file():
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    po = {plain(m.id): plain(m.string) for m in _po() if m.id}
    with MO.open("rb") as f:
        mo = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "run 'pybabel compile -d web/translations'"


#: Text a template may hold outside the catalogue: punctuation and symbols only.
LITERAL = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<textarea.*?</textarea>|<[^>]*>|&[a-z]+;", re.S)


@pytest.mark.parametrize("template", sorted((ROOT / "web/templates").rglob("*.html")),
                         ids=lambda p: p.relative_to(ROOT / "web/templates").as_posix())
def test_templates_hold_no_text_outside_the_catalogue(template):
    text = LITERAL.sub(" ", template.read_text(encoding="utf-8"))
    words = re.findall(r"[A-Za-z]{2,}", text)
    assert not words, f"{template.name} has text not passed through gettext: {words}"


# --- choosing the language ------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})


@pytest.fixture
def client(app):
    return app.test_client()  # a fresh client per test: no cookie carried over


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_english_is_the_default_and_the_switch_offers_welsh(client):
    home = page(client.get("/"))
    assert home.html["lang"] == "en"
    assert home.find("a", class_="brand").get_text() == "NHS Wales planning policy graph"
    switch = home.find("nav", class_="language")
    assert switch.find("a", lang="cy").get_text() == "Cymraeg"
    assert switch.find("a", lang="cy")["href"] == "/?lang=cy"
    assert switch.find("a", attrs={"aria-current": "true"})["lang"] == "en"
    assert home.find("a", string="Duty of Quality")["href"] == "/id/duty-of-quality"  # English links stay plain


def test_lang_in_the_address_gives_welsh_and_is_remembered(client):
    response = client.get("/?lang=cy")
    home = page(response)
    assert home.html["lang"] == "cy"
    assert home.find("h1").get_text() == "Polisi cynllunio GIG Cymru 2026-29"
    assert home.find("nav", class_="language").find("a", attrs={"aria-current": "true"})["lang"] == "cy"
    assert "lang=cy" in response.headers["Set-Cookie"] and "Max-Age=31536000" in response.headers["Set-Cookie"]
    # links keep the language, so any page's address opens in Welsh when shared
    assert home.find("a", string="Dyletswydd Ansawdd")["href"] == "/id/duty-of-quality?lang=cy"
    # the next visit, with no language in the address, is Welsh from the cookie
    again = page(client.get("/deadlines"))
    assert again.html["lang"] == "cy" and again.find("h1").get_text() == "Terfynau amser"
    # and English is one click away, which is remembered in turn
    english = page(client.get("/deadlines?lang=en"))
    assert english.html["lang"] == "en"
    assert page(client.get("/")).html["lang"] == "en"


@pytest.mark.parametrize("accept, expected", [
    ("cy-GB,cy;q=0.9,en;q=0.8", "cy"), ("cy", "cy"), ("en-GB,en;q=0.9", "en"), ("fr-FR", "en"),
    ("en;q=0.5,cy;q=0.9", "cy"),
])
def test_the_first_visit_honours_accept_language(client, accept, expected):
    response = client.get("/", headers={"Accept-Language": accept})
    assert page(response).html["lang"] == expected
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]


def test_the_address_wins_over_the_cookie_and_the_cookie_over_accept_language(client):
    client.set_cookie("lang", "en")
    assert page(client.get("/", headers={"Accept-Language": "cy"})).html["lang"] == "en"
    assert page(client.get("/?lang=cy", headers={"Accept-Language": "en"})).html["lang"] == "cy"


def test_every_page_has_hreflang_alternates_and_the_switch(client):
    for path in ("/", "/search?q=hywel+dda", f"/id/{KDE}", f"/id/{KDE}/trace", "/deadlines", "/documents/ncf",
                 "/sparql"):
        html = page(client.get(path, headers={"Accept": "text/html"}))
        alternates = {link["hreflang"]: link["href"] for link in html.find_all("link", hreflang=True)}
        assert set(alternates) == {"en", "cy", "x-default"}, path
        assert alternates["cy"].startswith("http://localhost/") and "lang=cy" in alternates["cy"]
        assert "lang=" not in alternates["x-default"]
        assert {a["lang"] for a in html.find("nav", class_="language").find_all("a")} == {"en", "cy"}


def test_forms_keep_the_language(client):
    html = page(client.get("/?lang=cy"))
    form = html.find("form", class_="big-search")
    assert form.find("input", attrs={"name": "lang"})["value"] == "cy"


# --- names from the graph -------------------------------------------------------------------

def test_a_welsh_name_is_shown_where_the_graph_has_one(client):
    html = page(client.get("/id/duty-of-quality?lang=cy"))
    assert html.find("h1").get_text() == "Dyletswydd Ansawdd"
    assert html.find("title").get_text().startswith("Dyletswydd Ansawdd — Graff polisi cynllunio GIG Cymru")
    imposed = next(h for h in html.find_all("h3") if h.get_text().startswith("wedi'i gosod gan")).find_next("ul")
    assert "Deddf Iechyd a Gofal Cymdeithasol (Ansawdd ac Ymgysylltu) (Cymru) 2020" in imposed.get_text()
    # the source passage stays in the language it was published in
    quote = html.find("figure", class_="passage").find("blockquote")
    assert quote["lang"] == "en" and "statutory obligations for NHS bodies" in quote.get_text()


def test_an_english_name_without_a_welsh_form_is_marked_as_english(client):
    html = page(client.get(f"/id/{KDE}?lang=cy"))
    heading = html.find("h1")
    assert heading.find("span", lang="en").get_text() == "No ambulance patient handover waits over 45 minutes"
    assert heading.find("small", class_="lang-fallback").get_text() == "(yn Saesneg)"
    assert html.find("a", class_="button").get_text() == "Olrhain i'r ffynonellau"
    # in English nothing is marked
    assert not page(client.get(f"/id/{KDE}?lang=en")).find("small", class_="lang-fallback")


def test_the_home_page_names_the_priorities_and_statutes_in_welsh(client):
    html = page(client.get("/?lang=cy"))
    priorities = [a.get_text() for a in html.find("table", class_="priorities").find("tbody").find_all("a")[::2]]
    assert priorities == ["Mynediad Amserol at Ofal", "Iechyd y Boblogaeth ac Atal", "Cymuned drwy Ddylunio",
                          "Mynediad at Iechyd Meddwl", "Iechyd Menywod", "Ansawdd a Diogelwch"]
    statutes = html.find(id="h-statutes").find_next("ul").get_text()
    assert "Deddf Llesiant Cenedlaethau'r Dyfodol (Cymru) 2015" in statutes


def test_the_trace_diagram_names_nodes_in_welsh(client):
    html = page(client.get(f"/id/{KDE}/trace?lang=cy"))
    svg = html.find("svg", class_="trace-diagram")
    assert svg.find("a", attrs={"data-id": "qe-act-2020"}).find("title").get_text().startswith(
        "Deddf Iechyd a Gofal Cymdeithasol (Ansawdd ac Ymgysylltu) (Cymru) 2020 (Deddf)")
    assert svg.find("a", attrs={"data-id": "qe-act-2020"})["href"] == "/id/qe-act-2020?lang=cy"
    assert html.find("h2", id="h-list").get_text() == "Yr olrhain, gam wrth gam"


# --- searching in Welsh ---------------------------------------------------------------------

def test_searching_iechyd_meddwl_finds_mental_health_access(client):
    data = client.get("/search.json?q=iechyd+meddwl").get_json()
    found = {m["id"] for m in data["text_matches"]} | {r["id"] for r in data["results"]}
    assert "priority-mental-health-access" in found
    assert data["subject"]["id"] == "topic-mental-health"


def test_a_body_found_by_its_welsh_name_lists_what_applies(client):
    data = client.get("/search.json?q=Bwrdd+Iechyd+Prifysgol+Hywel+Dda").get_json()
    assert data["subject"]["id"] == "hywel-dda-uhb" and data["mode"] == "applies"
    assert KDE in {r["id"] for r in data["results"]}


def test_a_kind_of_body_is_found_by_its_welsh_name(client):
    data = client.get("/search.json?q=bwrdd+iechyd").get_json()
    assert data["subject"]["id"] == "nwp:HealthBoard"


def test_search_results_give_their_reasons_in_welsh(client):
    html = page(client.get("/search?q=Hywel+Dda&lang=cy"))
    answer = html.find(id="answer").get_text(" ", strip=True)
    assert answer.startswith("Yn dangos beth sy'n berthnasol i Bwrdd Iechyd Prifysgol Hywel Dda")
    reasons = " ".join(p.get_text() for p in html.find_all("p", class_="why"))
    assert "yn rhwymo pob corff o fath y mae'r corff hwn yn perthyn iddo: bwrdd iechyd" in reasons
    assert "binds" not in reasons and "health board" not in reasons


# --- downloads and errors -------------------------------------------------------------------

def test_csv_headings_are_in_the_chosen_language(client):
    english = next(csv.reader(io.StringIO(client.get("/search.csv?q=hywel+dda").get_data(as_text=True))))
    welsh = next(csv.reader(io.StringIO(client.get("/search.csv?q=hywel+dda&lang=cy").get_data(as_text=True))))
    assert english[:3] == ["id", "label", "kind"]
    assert welsh[:3] == ["dynodwr", "enw", "math"]
    assert len(welsh) == len(english) and not set(welsh) & set(english)


def test_a_missing_item_is_explained_in_welsh(client):
    response = client.get("/id/kde-2-1-ambulance-handover?lang=cy")
    assert response.status_code == 404
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert html.find("h1").get_text() == "Dim eitem o'r fath"
    assert html.find("h2").get_text() == "Oeddech chi'n golygu"
    assert html.find("a", href=f"/id/{KDE}?lang=cy")


def test_the_sparql_page_is_in_welsh_and_shows_how_to_ask_for_welsh_labels(client):
    html = page(client.get("/sparql?lang=cy", headers={"Accept": "text/html"}))
    assert html.find("h1").get_text() == "Ymholiad SPARQL"
    assert 'FILTER(LANG(?labelCy) = "cy")' in html.find("textarea").get_text()
    assert any(dt.get_text() == "Labels in a language" for dt in html.find_all("dt"))
