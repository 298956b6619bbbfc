"""The default embedded store (Oxigraph) gives exactly the answers of rdflib, the reference,
for every named query and every case of tests/queries.yaml; the on-disk Oxigraph store gives
exactly the default store's."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from graph.errors import StoreError
from graph.queries import find_query, run_named
from graph.store import (
    OxigraphDiskStore,
    OxigraphStore,
    RdflibStore,
    current_version,
    disk_store_location,
    open_store,
)
from tests.conftest import copy_build
from tests.test_queries import CASES

INTEGER_TYPES = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long}


def _term(term) -> str:
    # Oxigraph reports the integer types derived from xsd:integer (offsets are
    # xsd:nonNegativeInteger) as xsd:integer; the value is what must agree.
    if isinstance(term, Literal) and term.datatype in INTEGER_TYPES:
        return f"integer {int(term)}"
    return term.n3()


def _answer(store, queries, case) -> tuple[list[str], Counter]:
    result = run_named(store, find_query(queries, case["query"]), case.get("params", {}))
    if result.kind == "graph":
        return [], Counter(tuple(_term(t) for t in triple) for triple in result.graph)
    rows = Counter(tuple((k, _term(row[k])) for k in sorted(row)) for row in result.rows)
    return result.variables, rows


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_oxigraph_and_rdflib_agree(store, rdflib_store, queries, case):
    assert _answer(store, queries, case) == _answer(rdflib_store, queries, case)


@pytest.fixture(scope="module")
def disk_store(built, tmp_path_factory) -> OxigraphDiskStore:
    """The real graph in an on-disk store of its own (the built folder is shared by the session)."""

    folder = tmp_path_factory.mktemp("disk")
    artefact = folder / built.artefact.name
    copy_build(built, artefact)
    return OxigraphDiskStore(artefact)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_on_disk_store_agrees_with_the_default(store, disk_store, queries, case):
    assert _answer(disk_store, queries, case) == _answer(store, queries, case)


def test_the_on_disk_store_is_prepared_once_and_then_only_opened(disk_store):
    location = current_version(disk_store.artefact)
    made = (location / "SOURCES.json").stat().st_mtime_ns
    again = OxigraphDiskStore(disk_store.artefact)
    assert again.location == location and (location / "SOURCES.json").stat().st_mtime_ns == made
    assert len(again) == len(disk_store) > 0


def test_stores_agree_on_parameters_that_match_nothing(store, rdflib_store, queries):
    case = {"query": "obligations-for", "params": {"subject": "no-such-body"}}
    assert _answer(store, queries, case) == _answer(rdflib_store, queries, case) == (
        _answer(store, queries, case)[0], Counter())


def test_ask_and_construct_are_answered_alike(store, rdflib_store):
    ask = "ASK { ?s a <https://w3id.org/nhs-wales-planning/ontology#DeliveryExpectation> }"
    assert store.query(ask).boolean is True and rdflib_store.query(ask).boolean is True
    construct = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
                 "FILTER(?s = <https://w3id.org/nhs-wales-planning/id/kde-2-1-rtt-104-weeks>) }")
    assert set(store.query(construct).graph) == set(rdflib_store.query(construct).graph)


def test_default_store_is_oxigraph_and_rdflib_is_one_setting_away(built, monkeypatch):
    assert isinstance(open_store(built.artefact), OxigraphStore)
    monkeypatch.setenv("POLICY_GRAPH_STORE", "rdflib")
    assert isinstance(open_store(built.artefact), RdflibStore)
    with pytest.raises(StoreError, match="unknown store 'sqlite'"):
        open_store(built.artefact, "sqlite")


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib", "oxigraph-disk"])
def test_a_corrupt_artefact_is_a_clear_error(tmp_path, kind):
    import json

    from graph.store.integrity import fingerprint

    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n")
    # recorded as built, so that the file passes its checksum and reaches the engine's reader
    (tmp_path / "report.json").write_text(json.dumps({"checksum": fingerprint(bad)}), encoding="utf-8")
    with pytest.raises(StoreError, match="cannot (read the built graph|build the on-disk store)"):
        open_store(bad, kind)
    assert not disk_store_location(bad).exists()  # nothing half-made is left to be opened later
