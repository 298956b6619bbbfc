"""Every named query answers what tests/queries.yaml says it must, and every query file is
documented. Values are compared as the CLI prints them (ids for items, text for literals)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from graph.cli.output import _cell
from graph.errors import QueryError
from graph.queries import (
    bind_parameters,
    example_text,
    example_value,
    find_query,
    load_queries,
    parse_query_file,
    run_named,
)
from tests.conftest import REAL, copy_build

CASES = yaml.safe_load((Path(__file__).parent / "queries.yaml").read_text(encoding="utf-8"))


def _table(store, queries, case) -> list[dict[str, str]]:
    result = run_named(store, find_query(queries, case["query"]), case.get("params", {}))
    if result.kind == "graph":
        return [{"s": _cell(s), "p": _cell(p), "o": _cell(o)} for s, p, o in result.graph]
    return [{k: _cell(row.get(k)) for k in result.variables} for row in result.rows]


@pytest.fixture(scope="module")
def planned_store(built, tmp_path_factory):
    """The built graph with the illustrative plan kept beside it, for the queries of kept plans."""
    from graph.api import PolicyGraph
    from graph.rules.plans import read_plan

    folder = tmp_path_factory.mktemp("planned")
    copy_build(built, folder / built.artefact.name)
    graph = PolicyGraph.open(folder / built.artefact.name, kind="oxigraph")
    graph.keep_plan("illustrative", "swansea-bay-uhb", read_plan(REAL.root / "examples" / "illustrative-plan.csv"))
    return graph.store


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_named_query_answers(store, planned_store, queries, case):
    rows = _table(planned_store if case.get("plans") else store, queries, case)
    if case.get("empty"):  # a check whose findings the shipped graph must not have
        assert rows == []
        return
    assert rows, "query returned nothing"
    column = case.get("column") or next(iter(rows[0]))
    found = {row[column] for row in rows}
    missing = [i for i in case.get("includes", []) if i not in found]
    assert not missing, f"missing from {column}: {missing}"
    unexpected = [i for i in case.get("excludes", []) if i in found]
    assert not unexpected, f"should not be in {column}: {unexpected}"
    for ident, expected in case.get("where", {}).items():
        matching = [row for row in rows if row[column] == ident]
        assert any(all(row.get(k) == str(v) for k, v in expected.items()) for row in matching), \
            f"no row for {ident} with {expected}; rows: {matching}"
    if "count" in case:
        counts = Counter(row[case["count_column"]] for row in rows)
        for value, number in case["count"].items():
            assert counts[value] == number, f"{value}: {counts[value]} != {number}"


def test_every_query_file_has_a_case_and_a_description(queries):
    tested = {c["query"].replace("-", "_") for c in CASES}
    assert set(queries) == tested
    for query in queries.values():
        assert query.title and len(query.description) > 20
        for param in query.parameters:
            assert param.description, f"{query.name}: parameter {param.name} has no help"


def test_parameters_are_bound_not_pasted(store, queries):
    query = find_query(queries, "obligations-for")
    hostile = 'wast> } UNION { ?item ?p ?o } #'
    with pytest.raises(QueryError, match="is not an item id, a CURIE or an IRI"):
        run_named(store, query, {"subject": hostile})
    label = find_query(queries, "label")
    with pytest.raises(QueryError, match="is not a valid IRI"):
        run_named(store, label, {"node": "https://example.org/x> } ?s ?p ?o {"})
    assert run_named(store, label, {"node": "https://example.org/x"}).rows == []


def test_unknown_and_missing_parameters_are_named(queries):
    query = find_query(queries, "due-between")
    with pytest.raises(QueryError, match="needs parameter\\(s\\) end"):
        bind_parameters(query, {"start": "2026-04-01"})
    with pytest.raises(QueryError, match="has no parameter 'finish'"):
        bind_parameters(query, {"start": "2026-04-01", "end": "2027-01-01", "finish": "x"})
    with pytest.raises(QueryError, match="'31/03/2027' is not a date YYYY-MM-DD"):
        bind_parameters(query, {"start": "2026-04-01", "end": "31/03/2027"})


def test_unknown_query_lists_the_known_ones(queries):
    with pytest.raises(QueryError, match="unknown query 'obligations'.*obligations-for"):
        find_query(queries, "obligations")


def test_malformed_query_header_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: T\n# description: D\n# param: x widget\nSELECT * {}\n")
    with pytest.raises(QueryError, match="bad.rq:3: malformed parameter"):
        parse_query_file(bad)
    assert load_queries(REAL.queries_dir)


def test_every_parameter_gives_an_example_and_examples_run_as_plain_sparql(store, queries):
    for query in queries.values():
        values = {p.name: example_value(p) for p in query.parameters}
        assert all(values.values()), f"{query.name}: a parameter's help gives no example in parentheses"
        bound = run_named(store, query, values)
        plain = store.query(example_text(query))
        if bound.kind == "graph":
            assert set(plain.graph) == set(bound.graph) and len(bound.graph) > 0, query.name
            continue
        strip = [{k: v for k, v in row.items() if k in bound.variables} for row in plain.rows]
        assert sorted(map(repr, strip)) == sorted(map(repr, bound.rows)), query.name
