"""Quotes as people read them: stored verbatim, shown without the source's markdown, and an
item's lead-in shown as the context of its main quote, the same on every surface."""

from __future__ import annotations

import csv
import io
import json

import pytest

from graph.cli import main
from graph.display import clean, main_quote, with_lead_in
from graph.namespaces import entity
from web import create_app

BOLD = "req-2-2-optimise-vaccination"  # its quote is wrapped in ** in the source
LINKS = "req-3-1-innovation-engagement"  # its quote holds [words](#) links
LISTED = "req-2-3-cbd-community-first"  # quoted as "This includes:" then its list item
MARKS = ("**", "](")


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def clean_of_marks(text: str) -> bool:
    return not any(mark in text for mark in MARKS)


@pytest.mark.parametrize(("raw", "shown"), [
    ("**organisations must** act", "organisations must act"),
    ("the [Bevan Commission](#) and [HTW](https://htw.wales/a_(b))", "the Bevan Commission and HTW"),
    ("*A Healthier Wales*, 2 * 3", "A Healthier Wales, 2 * 3"),
    ("- a bullet\n* another", "- a bullet\n* another"),
    (r"The King's Fund \(kingsfund.org.uk\)", "The King's Fund (kingsfund.org.uk)"),
    ("cut off by the edge ](#) of a span **", "cut off by the edge  of a span "),
])
def test_markdown_marks_are_dropped_and_words_kept(raw, shown):
    assert clean(raw) == shown


def test_a_lead_in_is_the_context_of_the_main_quote():
    quotes = ["Health boards are expected to:", "**Reduce** waits"]
    chosen = main_quote(quotes)
    assert (chosen.main, chosen.lead_ins) == (1, (0,))
    assert with_lead_in(quotes) == "Health boards are expected to: … Reduce waits"
    # a quote ending with a colon after the main one, or alone, is the main quote itself
    assert main_quote(["It says this. This includes:"]).main == 0
    assert main_quote(["A sentence.", "This includes:"]).lead_ins == ()


def test_the_graph_keeps_the_exact_words_and_gives_the_shown_ones_beside_them(store):
    rows = store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
        f"SELECT ?exact ?shown WHERE {{ <{entity(BOLD)}> nwp:hasSourcePassage ?p . "
        "?p oa:hasSelector/oa:exact ?exact ; nwp:displayText ?shown }").rows
    assert rows and rows[0]["exact"].startswith("**") and clean_of_marks(str(rows[0]["shown"]))
    assert str(rows[0]["shown"]) == clean(str(rows[0]["exact"]))


def test_the_build_marks_lead_in_passages(store):
    rows = store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
        f"SELECT ?exact WHERE {{ <{entity(LISTED)}> nwp:leadInPassage ?p . ?p oa:hasSelector/oa:exact ?exact }}").rows
    assert [str(r["exact"]) for r in rows] == ["This includes:"]


def test_json_gives_the_shown_words_beside_the_exact_ones(client):
    data = client.get(f"/id/{BOLD}.json").get_json()
    passage = data["passages"][0]
    assert passage["exact"].startswith("**") and passage["display"] == clean(passage["exact"])
    assert clean_of_marks(passage["display"] + passage["before"] + passage["after"])
    trace = client.get(f"/id/{LINKS}/trace.json").get_json()
    shown = trace["trace"]["item"]["passages"][0]
    assert "](#)" in shown["exact"] and clean_of_marks(shown["display"])
    assert "Contracts for Innovation Cymru" in shown["display"]


def test_the_item_page_shows_the_lead_in_as_context(client):
    html = client.get(f"/id/{LISTED}").get_data(as_text=True)
    assert 'class="passage lead-in"' in html
    assert html.index("This includes:") < html.index("Starting with community-first options")
    data = client.get(f"/id/{LISTED}.json").get_json()
    assert [p["lead_in"] for p in data["passages"]] == [True, False]


def test_search_rows_and_their_csv_show_the_main_quote_cleanly(client):
    rows = client.get("/search.json?q=community-first+options").get_json()["results"]
    row = next(r for r in rows if r["id"] == LISTED)
    assert row["quote"] == "This includes: … Starting with community-first options for service delivery,"
    text = client.get("/search.csv?q=vaccination+opportunities").get_data(as_text=True)
    quotes = [r["quote"] for r in csv.DictReader(io.StringIO(text))]
    assert quotes and all(clean_of_marks(q) for q in quotes)
    assert any(q.startswith("organisations must continue to optimise vaccination") for q in quotes)


def test_the_command_line_shows_quotes_cleanly(capsys, built):
    assert main(["trace", LINKS, "--graph", str(built.artefact)]) == 0
    text = capsys.readouterr().out
    assert clean_of_marks(text) and "Contracts for Innovation Cymru (formerly SBRI Wales)" in text
    assert main(["trace", LISTED, "--graph", str(built.artefact)]) == 0
    assert "“This includes:” …\n" in capsys.readouterr().out
    assert main(["trace", BOLD, "--format", "json", "--graph", str(built.artefact)]) == 0
    passage = json.loads(capsys.readouterr().out)["item"]["passages"][0]
    assert passage["exact"].startswith("**") and clean_of_marks(passage["display"])
