"""The whole of both documents is in the graph: every heading but the contents lists has
items, every delivery expectation and numeric target is encoded, and obligations reach the
organisations they bind."""

from __future__ import annotations

import pytest

from graph.queries import find_query, run_named

NWP = "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
HEALTH_BOARDS = ["aneurin-bevan-uhb", "betsi-cadwaladr-uhb", "cardiff-and-vale-uhb", "cwm-taf-morgannwg-uhb",
                 "hywel-dda-uhb", "powys-thb", "swansea-bay-uhb"]


def _count(store, where: str) -> int:
    return int(store.query(NWP + f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {where} }}").rows[0]["n"])


def test_only_the_contents_lists_have_no_items(store, queries):
    rows = run_named(store, find_query(queries, "coverage")).rows
    empty = {str(r["section"]).rsplit("/", 1)[-1] for r in rows if int(r["total"]) == 0}
    assert empty == {"tpg-contents", "ncf-contents"}
    assert len(rows) > 80


@pytest.mark.parametrize("priority, expected", [
    ("priority-timely-access-to-care", 5), ("priority-population-health-prevention", 4),
    ("priority-community-by-design", 3), ("priority-mental-health-access", 3),
    ("priority-womens-health", 2), ("priority-quality-and-safety", 4)])
def test_every_delivery_expectation_bullet_is_a_sourced_node(store, priority, expected):
    where = (f"?i a nwp:DeliveryExpectation ; nwp:servesPriority <https://w3id.org/nhs-wales-planning/id/{priority}> ;"
             " nwp:hasSourcePassage/oa:hasSelector/oa:exact ?q")
    assert _count(store, where) == expected


def test_requirement_counts_per_document(store):
    for doc, minimum in (("tpg", 150), ("ncf", 40)):
        where = ("?i a nwp:Requirement ; nwp:modality ?m ; nwp:hasSourcePassage/oa:hasSource "
                 f"<https://w3id.org/nhs-wales-planning/id/{doc}> . "
                 "{ ?i nwp:bearer ?b } UNION { ?i nwp:bindsKind ?k }")
        assert _count(store, where) >= minimum, doc


def test_every_enabling_action_outcome_is_sourced_and_belongs_to_its_action(store):
    assert _count(store, "?i a nwp:Outcome ; nwp:partOf ?a . ?a a nwp:EnablingAction") >= 13
    assert _count(store, "?i a nwp:Outcome . FILTER NOT EXISTS { ?i nwp:hasSourcePassage ?p }") == 0


@pytest.mark.parametrize("metric_words, value", [
    ("handover", 0), ("12", 0), ("104", 0), ("diagnostic", 0), ("cancer", 75), ("fallers", -10),
    ("midday", 33), ("weekend", 20), ("weekend", 25), ("early resolution", 40), ("coded", 95),
    ("cyber", 85), ("information governance", 85), ("fracture", 80), ("fracture", 50), ("frailty", 90)])
def test_numeric_targets_are_machine_readable(store, metric_words, value):
    where = ("?i a nwp:Target ; nwp:metric ?m ; nwp:targetValue ?v ; nwp:comparator ?c ; nwp:unit ?u . "
             "?m <http://www.w3.org/2000/01/rdf-schema#label> ?l . "
             f"FILTER(CONTAINS(LCASE(STR(?l)), \"{metric_words}\") && ?v = {value})")
    assert _count(store, where) >= 1


@pytest.mark.parametrize("board", HEALTH_BOARDS)
def test_each_health_board_gets_health_board_and_nhs_organisation_obligations(store, queries, board):
    rows = run_named(store, find_query(queries, "obligations-for"), {"subject": board}).rows
    vias = {str(r["via"]).rsplit("#", 1)[-1] for r in rows}
    assert {"HealthBoard", "NHSOrganisation", "WFGListedBody"} <= vias
    items = {str(r["item"]).rsplit("/", 1)[-1] for r in rows}
    assert {"kde-2-1-ambulance-handover-45-minutes", "req-2-1-timely-safe-access-all-pathways"} <= items
    whys = {str(r["item"]).rsplit("/", 1)[-1]: str(r["why"]) for r in rows}
    # the outcomes of an enabling action bind through it
    parts = {i for i, why in whys.items() if why == "part of something that binds this body or kind"}
    assert {"uec-action-2-outcome-2", "uec-action-4-outcome-3"} <= parts
    assert all(i.startswith("uec-action-") for i in parts)
    assert all(why.startswith("applies to every body of the kind it is") for i, why in whys.items() if i not in parts)


def test_quality_standards_are_externally_sourced_and_tied_to_domains(store):
    assert _count(store, "?i a nwp:QualityStandard ; nwp:externallySourced true ; nwp:hasExternalSource ?s") == 12
    assert _count(store, "?i a nwp:QualityStandard ; nwp:qualityDomain ?d . ?d a nwp:QualityDomain") == 6


def test_fragility_principles_link_the_guidance_to_the_framework(store):
    assert _count(store, "?i nwp:implements <https://w3id.org/nhs-wales-planning/id/ncf-fragility-principles>") >= 3
    assert _count(store, "?i nwp:partOf <https://w3id.org/nhs-wales-planning/id/ncf-fragility-principles>") == 5


def test_listening_to_people_replaces_putting_things_right_from_april_2026(store):
    rows = store.query(NWP + "SELECT ?d WHERE { <https://w3id.org/nhs-wales-planning/id/listening-to-people> "
                       "nwp:supersedes <https://w3id.org/nhs-wales-planning/id/putting-things-right> ; "
                       "nwp:effectiveFrom ?d }").rows
    assert [str(r["d"]) for r in rows] == ["2026-04-01"]
