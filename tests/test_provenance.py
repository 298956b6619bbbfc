"""Quotes are located exactly, by code point, and a near miss is reported precisely."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from graph.build.pipeline import build
from graph.build.provenance import line_and_column, locate_quote
from graph.errors import BuildError
from graph.namespaces import NWP, OA

TEXT = "Alpha beta.\nHealth boards must deliver care.\nHealth boards must deliver care.\nOmega – end."


def test_exact_quote_gives_code_point_offsets():
    start, end = locate_quote(TEXT, "Omega – end")
    assert TEXT[start:end] == "Omega – end"
    assert (start, end) == (TEXT.index("Omega"), TEXT.index("Omega") + len("Omega – end"))


def test_quote_off_by_one_character_is_not_found_and_the_difference_is_named():
    reason = locate_quote(TEXT, "Omega - end")  # hyphen where the text has an en dash
    assert isinstance(reason, str)
    assert "quote not found" in reason
    assert "character 7" in reason
    assert "'-'" in reason and "'–'" in reason
    assert "line 4" in reason


def test_quote_missing_a_character_is_not_found():
    reason = locate_quote(TEXT, "Alpha bta.")
    assert isinstance(reason, str) and "nearest text: 'Alpha beta'" in reason


def test_ambiguous_quote_needs_an_occurrence():
    reason = locate_quote(TEXT, "Health boards must deliver care.")
    assert isinstance(reason, str) and "occurs 2 times" in reason and "lines 2, 3" in reason
    start, _ = locate_quote(TEXT, "Health boards must deliver care.", occurrence=2)
    assert line_and_column(TEXT, start) == (3, 1)


def test_quote_outside_its_section_is_reported_as_such():
    section_start = TEXT.index("Omega")
    reason = locate_quote(TEXT, "Alpha beta.", section_start, len(TEXT))
    assert isinstance(reason, str) and "not in the given section" in reason and "line 1" in reason


def test_every_passage_in_the_real_graph_matches_its_source_text(built, store):
    from graph.sources import load_sources
    from tests.conftest import REAL

    texts = {f"https://w3id.org/nhs-wales-planning/id/{d.id}": d.text
             for d in load_sources(REAL.sources_dir).documents.values()}
    rows = store.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?p ?doc ?exact ?start ?end WHERE {
          ?p a <https://w3id.org/nhs-wales-planning/ontology#Passage> ; oa:hasSource ?doc ;
             oa:hasSelector ?q , ?pos .
          ?q oa:exact ?exact . ?pos oa:start ?start ; oa:end ?end .
        }""").rows
    assert len(rows) == built.report["passages"] > 100
    for row in rows:
        text = texts[str(row["doc"])]
        assert text[int(row["start"]):int(row["end"])] == str(row["exact"]), row["p"]


def test_passages_use_the_web_annotation_model(rdflib_store):
    ds = rdflib_store.dataset
    passage = next(iter(ds.subjects(RDF.type, NWP.Passage)))
    selectors = set(ds.objects(passage, OA.hasSelector))
    kinds = {ds.value(s, RDF.type) for s in selectors}
    assert kinds == {OA.TextQuoteSelector, OA.TextPositionSelector}
    assert isinstance(ds.value(passage, OA.hasSource), URIRef)


def test_build_fails_naming_file_item_and_near_miss_for_an_off_by_one_quote(mini):
    items = (mini.root / "graph/data/tpg/items.yaml")
    items.write_text(items.read_text().replace("waits over 45 minutes", "waits over 45 minute "))
    with pytest.raises(BuildError) as err:
        build(mini.layout, mini.root / "out")
    message = str(err.value)
    assert "locating quotes failed with 1 problem(s)" in message
    assert "graph/data/tpg/items.yaml:16" in message and "item 'req-handover'" in message
    assert "quote has ' '" in message and "text has 's'" in message
    assert not (mini.root / "out").exists()
