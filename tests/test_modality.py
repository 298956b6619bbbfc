"""An obligation's modality rests on words of the text: every obligation records the words its
modality is read from (located in its passage, or its lead-in's) and the reading rule applied, or
says in the data why no such words are there; sentences that describe are context statements."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from graph.build.modality import RULES_FILE, load_rules
from graph.namespaces import NWP
from graph.queries import find_query, run_named
from graph.sources import load_sources
from tests.conftest import REAL


def _rows(store, queries, name: str) -> list[dict]:
    return run_named(store, find_query(queries, name)).rows


def _id(value) -> str:
    return str(value).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@pytest.fixture(scope="module")
def readings(store, queries) -> list[dict]:
    return _rows(store, queries, "modality-readings")


def test_every_obligation_rests_on_a_cue_or_a_justification(readings):
    unsupported = sorted(_id(r["item"]) for r in readings if not r.get("cue") and not r.get("justification"))
    assert unsupported == [], f"obligations whose quote shows no cue for their modality: {unsupported}"
    assert len(readings) > 500


def test_each_cue_is_the_text_at_its_offsets_inside_its_passage(readings, store, queries):
    sources = load_sources(REAL.sources_dir)
    # a passage's IRI holds no offsets: they are its position selector's
    spans = {str(r["passage"]): (document, int(r["start"].toPython()), int(r["end"].toPython()))
             for document in sources.documents
             for r in run_named(store, find_query(queries, "document-passages"),
                                {"document": f"https://w3id.org/nhs-wales-planning/id/{document}"}).rows}
    checked = 0
    for row in readings:
        if not row.get("cue"):
            continue
        document, start, end = spans[str(row["cuePassage"])]
        cue_start, cue_end = int(row["cueStart"]), int(row["cueEnd"])
        assert start <= cue_start < cue_end <= end, _id(row["item"])
        assert sources.documents[document].text[cue_start:cue_end] == str(row["cue"]), _id(row["item"])
        checked += 1
    assert checked > 500


def test_each_cue_is_read_by_a_rule_for_the_obligations_modality(readings):
    wrong = [(_id(r["item"]), str(r["cue"]), _id(r["ruleModality"]), _id(r["modality"]))
             for r in readings if r.get("cue") and r["ruleModality"] != r["modality"]]
    assert wrong == []


def test_need_wording_never_makes_a_must(readings):
    musts = [r for r in readings if _id(r["modality"]) == "Must" and r.get("cue")]
    assert musts and all(_id(r["rule"]) == "ReadMust" for r in musts)
    assert not [str(r["cue"]) for r in musts if re.search(r"\bneed", str(r["cue"]), re.I)]


def test_every_reading_rule_has_words_a_definition_and_a_reason():
    ontology = Graph().parse(REAL.ontology_dir / "core.ttl")
    scheme = set(ontology.subjects(SKOS.inScheme, NWP.modalityReadingRules))
    rules = load_rules(REAL.ontology_dir / RULES_FILE, ontology, RULES_FILE)
    assert {r.rule for r in rules} == scheme
    for rule in rules:
        assert rule.patterns, rule.rule
        assert (rule.rule, RDF.type, NWP.ModalityReadingRule) in ontology
        assert ontology.value(rule.rule, SKOS.definition) and ontology.value(rule.rule, SKOS.scopeNote)
        assert (rule.modality, RDF.type, NWP.Modality) in ontology
    assert ontology.value(URIRef(NWP.ReadNeedTo), NWP.readsAs) == NWP.Should


@pytest.mark.parametrize("item, modality, cue", [
    ("req-2-2-making-every-contact-count", "Should", "will need"),
    ("req-3-6-know-welsh-speakers", "Should", "need not only to"),
    ("req-1-sppp-seek-compromise-or-consensus", "RequiredTo", "places a duty"),
    ("kde-2-1-ambulance-handover-45-minutes", None, None),
])
def test_need_type_wording_reads_as_the_words_say(readings, item, modality, cue):
    found = [r for r in readings if _id(r["item"]) == item]
    if modality is None:  # a delivery expectation carries no modality
        assert found == []
        return
    assert [(_id(r["modality"]), str(r["cue"])) for r in found] == [(modality, cue)]


@pytest.mark.parametrize("statement", [
    "req-ncf-4-np-diagnostics-transformational-change", "req-3-8-fulfilling-work-secure-terms",
    "req-ncf-3-clinical-teams-embed-qa-cycles", "req-ncf-3-clinicians-prudent-in-practice",
])
def test_sentences_that_describe_are_context_statements_binding_no_one(store, queries, statement):
    rows = [r for r in _rows(store, queries, "context-statements") if _id(r["statement"]) == statement]
    assert rows, statement
    assert all(r.get("modality") is None and r.get("bound") is None for r in rows)
    assert all(r.get("passage") is not None for r in rows)
    assert str(rows[0]["justification"]).startswith("Not an obligation: ")


def test_every_context_statement_has_a_passage_and_says_why_it_binds_no_one(store, queries):
    rows = _rows(store, queries, "context-statements")
    assert len({_id(r["statement"]) for r in rows}) >= 25
    assert not [r for r in rows if r.get("modality") is not None or r.get("bound") is not None]
    assert not [r for r in rows if r.get("passage") is None or not r.get("justification")]
