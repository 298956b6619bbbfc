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

from web import create_app

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "web/translations/cy/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KDE = "kde-2-1-ambulance-handover-45-minutes"
METRIC = "metric-ambulance-handovers-over-45-minutes"


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
    assert not missing, f"not in {PO.name} (run pybabel extract and update, see docs/welsh.md): {missing}"
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
    html = page(client.get(f"/id/{METRIC}?lang=cy"))
    heading = html.find("h1")
    assert heading.find("span", lang="en").get_text() == "Ambulance patient handovers taking over 45 minutes"
    assert heading.find("small", class_="lang-fallback").get_text() == "(yn Saesneg)"
    # in English nothing is marked
    assert not page(client.get(f"/id/{METRIC}?lang=en")).find("small", class_="lang-fallback")


def test_a_welsh_name_translated_for_the_graph_is_marked_as_awaiting_review(client):
    html = page(client.get(f"/id/{KDE}?lang=cy"))
    heading = html.find("h1")
    assert heading.get_text(" ", strip=True) == ("Dim un claf ambiwlans yn aros dros 45 munud i'w drosglwyddo "
                                                 "(i'w adolygu)")
    assert not heading.find("small", class_="lang-fallback")
    assert html.find("a", class_="button").get_text() == "Olrhain i'r ffynonellau"
    # a published name is not marked, and in English nothing is
    statute = page(client.get("/id/qe-act-2020?lang=cy")).find("h1")
    assert not statute.find("small", class_="awaiting-review")
    assert not page(client.get(f"/id/{KDE}?lang=en")).find("small", class_="awaiting-review")


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
    # the library's reasons, in the command line's Welsh
    assert "yn berthnasol i bob corff o'r math bwrdd iechyd, ac mae Bwrdd Iechyd Prifysgol Hywel Dda yn un ohonynt" \
        in reasons
    assert "binds" not in reasons and "health board" not in reasons


# --- downloads and errors -------------------------------------------------------------------

def test_csv_headings_are_in_the_chosen_language(client):
    def headings(query: str, lang: str) -> list[str]:
        text = client.get("/search.csv", query_string={"q": query, "lang": lang}).get_data(as_text=True)
        return next(csv.reader(io.StringIO(text)))

    for query, first in (("hywel dda", ["item", "label", "applies"]), ("handover waits", ["id", "label", "kind"])):
        english, welsh = headings(query, "en"), headings(query, "cy")
        assert english[:3] == first
        assert len(welsh) == len(english) and not set(welsh) & set(english)
    assert welsh[:3] == ["dynodwr", "enw", "math"]


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
    assert any(dt.get_text() == "Enwau mewn iaith" for dt in html.find_all("dt"))


# --- the JSON twins -------------------------------------------------------------------------

def test_json_twins_give_names_in_the_chosen_language_and_say_which(client):
    welsh = client.get("/id/duty-of-quality.json?lang=cy").get_json()
    assert welsh["lang"] == "cy"
    assert (welsh["label"], welsh["label_lang"]) == ("Dyletswydd Ansawdd", "cy") and "label_fallback" not in welsh
    assert welsh["kinds"][0]["label"] == "dyletswydd statudol"
    imposed = next(g for g in welsh["relations"] if g["relation"] == "nwp:imposedBy")
    assert imposed["label"] == "wedi'i gosod gan"
    assert imposed["links"][0] == {**imposed["links"][0], "id": "qe-act-2020", "label_lang": "cy",
                                   "label": "Deddf Iechyd a Gofal Cymdeithasol (Ansawdd ac Ymgysylltu) (Cymru) 2020"}
    passage = welsh["passages"][0]
    assert passage["exact"].startswith("The **duties of quality and candour**")  # quotes stay as published
    assert passage["sections"][0]["label_lang"] == "en" and passage["sections"][0]["label_fallback"]
    english = client.get("/id/duty-of-quality.json?lang=en").get_json()
    # an English answer is the graph's own words: every name is English, as "lang" says
    assert (english["lang"], english["label"]) == ("en", "Duty of Quality")
    assert "label_lang" not in english and "label_lang" not in english["relations"][0]["links"][0]


def test_a_name_without_welsh_is_marked_as_the_english_fallback_in_json(client):
    data = client.get(f"/id/{METRIC}.json?lang=cy").get_json()
    assert data["label"] == "Ambulance patient handovers taking over 45 minutes"
    assert data["label_lang"] == "en" and data["label_fallback"] is True


def test_every_json_twin_names_things_in_welsh(client):
    home = client.get("/index.json?lang=cy").get_json()
    assert [p["label"] for p in home["priorities"]][:2] == ["Mynediad Amserol at Ofal", "Iechyd y Boblogaeth ac Atal"]
    assert all(p["label_lang"] == "cy" for p in home["priorities"])
    trace = client.get(f"/id/{KDE}/trace.json?lang=cy").get_json()
    assert trace["trace"]["chain"][0]["label"] == "Mynediad Amserol at Ofal"
    act = next(s for s in trace["steps"] if s["id"] == "qe-act-2020")
    assert act["label"].startswith("Deddf Iechyd a Gofal Cymdeithasol") and act["label_lang"] == "cy"
    search = client.get("/search.json?q=Hywel+Dda&lang=cy").get_json()
    assert search["subject"]["label"] == "Bwrdd Iechyd Prifysgol Hywel Dda" and search["subject"]["label_lang"] == "cy"
    assert all("label_lang" in r for r in search["results"])
    deadlines = client.get("/deadlines.json?lang=cy").get_json()
    assert all("label_lang" in d for d in deadlines["deadlines"])
    hywel = next(b for b in deadlines["bodies"] if b["id"] == "hywel-dda-uhb")
    assert hywel["label"] == "Bwrdd Iechyd Prifysgol Hywel Dda"
    document = client.get("/documents/ncf.json?lang=cy").get_json()
    assert document["title_lang"] in ("cy", "en") and all("label_lang" in h for h in document["headings"])
    missing = client.get("/id/kde-2-1-ambulance-handover.json?lang=cy")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "Dim eitem o'r fath"
    assert all("label_lang" in s for s in missing.get_json()["suggestions"])


# --- the licence line -----------------------------------------------------------------------

OGL_CY = "Yn cynnwys gwybodaeth y sector cyhoeddus a drwyddedir o dan y Drwydded Llywodraeth Agored v3.0."
OGL_EN = "Contains public sector information licensed under the Open Government Licence v3.0."


def test_the_licence_attribution_is_in_welsh_on_welsh_pages(client):
    assert OGL_CY in page(client.get("/?lang=cy")).find("footer", class_="site").get_text()
    trace = page(client.get(f"/id/{KDE}/trace?lang=cy"))
    assert OGL_CY in trace.find("footer", class_="site").get_text() and OGL_EN not in trace.get_text()
    item = page(client.get("/id/duty-of-quality?lang=cy"))
    assert item.find("figure", class_="passage") and OGL_CY in item.find("footer", class_="site").get_text()
    assert client.get(f"/id/{KDE}/trace.json?lang=cy").get_json()["trace"]["attribution"] == [OGL_CY]
    assert client.get("/id/duty-of-quality.json?lang=cy").get_json()["passages"][0]["attribution"] == OGL_CY
    english = page(client.get("/?lang=en"))
    assert OGL_EN in english.find("footer", class_="site").get_text() and OGL_CY not in english.get_text()


# --- counts ---------------------------------------------------------------------------------

def test_counts_take_the_welsh_plural_forms(app):
    from flask_babel import ngettext

    assert _po().num_plurals == 6  # zero, one, two, few, many, other: CLDR's rule for Welsh
    with app.test_request_context("/?lang=cy"):
        rows = [ngettext("%(num)d row.", "%(num)d rows.", n) for n in (0, 1, 2, 3, 6, 25)]
        passages = [ngettext("Source passage", "Source passages", n) for n in (1, 2)]
    assert rows == ["0 rhes.", "1 rhes.", "2 res.", "3 rhes.", "6 rhes.", "25 o resi."]
    assert passages == ["Darn ffynhonnell", "Darnau ffynhonnell"]


def test_a_page_shows_its_count_in_welsh(client):
    count = client.get("/deadlines.json?lang=cy&priority=Women%27s+Health").get_json()["count"]
    html = page(client.get("/deadlines?lang=cy&priority=Women%27s+Health"))
    expected = f"{count} o eitemau â dyddiad." if count not in (0, 1, 2, 3, 6) else f"{count} eitem â dyddiad."
    assert html.find(id="count").get_text() == expected


# --- the named queries ----------------------------------------------------------------------

def test_every_named_query_has_welsh():
    from graph.queries import load_queries

    queries = load_queries(ROOT / "queries")
    assert len(queries) >= 30
    lacking = [q.name for q in queries.values() if not (q.title_cy and q.description_cy)]
    assert not lacking, f"no '# title@cy:' or '# description@cy:' line in: {lacking}"
    params = [f"{q.name}.{p.name}" for q in queries.values() for p in q.parameters if not p.description_cy]
    assert not params, f"no '# param@cy:' line for: {params}"


def test_a_welsh_header_for_an_undeclared_parameter_is_refused(tmp_path):
    from graph.errors import QueryError
    from graph.queries import parse_query_file

    path = tmp_path / "q.rq"
    path.write_text("# title: T\n# description: D\n# param: node iri required -- a node (x)\n"
                    "# title@cy: T\n# description@cy: D\n# param@cy: nod -- nod (x)\nSELECT * WHERE { ?s ?p ?o }\n",
                    encoding="utf-8")
    with pytest.raises(QueryError, match=r"q.rq:6: '# param@cy:' names 'nod', which no '# param:' line declares"):
        parse_query_file(path)


def test_the_sparql_page_lists_the_named_queries_in_welsh(client):
    html = page(client.get("/sparql?lang=cy", headers={"Accept": "text/html"}))
    titles = [dt.get_text() for dt in html.find("dl", class_="examples").find_all("dt")]
    assert "Olrhain eitem i'w ffynonellau" in titles and "Trace an item to its sources" not in titles
    english = page(client.get("/sparql?lang=en", headers={"Accept": "text/html"}))
    assert "Trace an item to its sources" in [dt.get_text() for dt in english.find_all("dt")]


def test_linked_data_carries_both_languages_with_their_tags(client):
    data = client.get("/id/wast.jsonld").get_json()
    labels = [label for node in (data if isinstance(data, list) else data.get("@graph", [data]))
              for label in node.get("http://www.w3.org/2000/01/rdf-schema#label", [])]
    assert {"@language": "cy", "@value": "Ymddiriedolaeth GIG Gwasanaethau Ambiwlans Cymru"} in labels
    assert {"@language": "en", "@value": "Welsh Ambulance Services NHS Trust"} in labels


def test_the_void_description_gives_the_licence_in_both_languages(client):
    from rdflib import Graph, URIRef

    graph = Graph().parse(data=client.get("/void").data, format="turtle")
    rights = {(r.language, str(r)) for r in graph.objects(URIRef("https://w3id.org/nhs-wales-planning/dataset"),
                                                         URIRef("http://purl.org/dc/terms/rights"))}
    assert rights == {("en", OGL_EN), ("cy", OGL_CY)}


def test_a_source_document_carries_its_published_welsh_title(client):
    data = client.get("/id/ncf.jsonld").get_json()
    nodes = data if isinstance(data, list) else data.get("@graph", [data])
    titles = [t for node in nodes for t in node.get("http://purl.org/dc/terms/title", [])]
    assert {"@language": "cy", "@value": "Fframwaith Clinigol Cenedlaethol: System Iechyd a Gofal sy'n Dysgu"} in titles
    assert {"@language": "en", "@value": "National Clinical Framework: A Learning Health and Care System"} in titles


def test_json_twins_put_kinds_and_relations_into_welsh_beside_their_keys(client):
    step = client.get(f"/id/{KDE}/trace.json?lang=cy").get_json()["steps"][0]
    assert (step["kind"], step["kind_label"]) == ("strategic priority", "blaenoriaeth strategol")
    assert (step["relation"], step["relation_label"]) == ("serves priority", "yn gwasanaethu blaenoriaeth")
    results = client.get("/search.json?q=iechyd&lang=cy").get_json()["results"]
    assert results and all(r["kind_label"] for r in results)
    assert {r["kind_label"] for r in results if r["kind"] == "delivery expectation"} == {"disgwyliad cyflawni"}
    english = client.get(f"/id/{KDE}/trace.json?lang=en").get_json()["steps"][0]
    assert "kind_label" not in english and "relation_label" not in english
    # a key that names a property (nwp:imposedBy) is an identifier, not a word shown to people
    group = client.get("/id/duty-of-quality.json?lang=cy").get_json()["relations"][0]
    assert ":" in group["relation"] and "relation_label" not in group


@pytest.mark.parametrize("query", ["", "?lang=cy", "?lang=en"])
def test_node_links_are_the_url_maps_own(app, query):
    """Pages build node links from one pattern a request; each must equal what the URL map
    builds, with the language carried the same way."""
    from flask import url_for

    from web.i18n import node_url

    with app.test_request_context("/search" + query):
        ids = [*list(app.extensions["policy_catalogue"].entries)[:300], "nwp:HealthBoard",
               "kde-2-1-ambulance-handover-45-minutes/trace.json", "an id with spaces & ü"]
        for ident in ids:
            assert node_url(ident) == url_for("browse.node", rest=ident)
    assert ids[0]
