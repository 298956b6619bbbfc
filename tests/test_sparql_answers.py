"""The endpoint's answers are written by the engine's serialisers and capped as they stream: the
rows (triples) and bytes counted on the way must be exact at the cap, in every format, however
the engine splits its output and whatever the literals hold."""

from __future__ import annotations

import csv
import gc
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.errors import AnswerTooLargeError
from graph.store.answers import _Sink, write_solutions, write_triples

#: What separates rows in one format or another, inside literals, to mislead a count.
TRICKY = 'a},{}b},{"c\nd\r\ne<result>f"g\th'
ROWS = 50


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(ROWS):
        subject = ox.NamedNode(f"https://example.org/s{i}")
        store.add(ox.Quad(subject, ox.NamedNode("https://example.org/p"), ox.Literal(f"{i} {TRICKY}"),
                          ox.NamedNode("https://example.org/g")))
    return store


def solutions(store, text="SELECT ?s ?o WHERE { ?s ?p ?o }"):
    return store.query(text, use_default_graph_as_union=True)


def rows_in(body: bytes, fmt: str) -> int:
    if fmt == "json":
        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return len(body.decode().split("\n")) - 2  # a header line, and a line break after the last row


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("text, rows", [
    ("SELECT ?s ?o WHERE { ?s ?p ?o }", ROWS),
    ("SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <https://example.org/none> ?x } }", ROWS),  # rows binding nothing
    ("SELECT ?s WHERE { ?s <https://example.org/none> ?o }", 0),
])
def test_rows_are_counted_exactly_at_the_cap(store, fmt, text, rows):
    body, counted = write_solutions(solutions(store, text), fmt, rows, 10**6)
    assert counted == rows == rows_in(body, fmt)
    if rows:
        with pytest.raises(AnswerTooLargeError) as refused:
            write_solutions(solutions(store, text), fmt, rows - 1, 10**6)
        assert refused.value.what == "rows"


@pytest.mark.parametrize("fmt, rdflib_format", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                                                ("rdfxml", "xml")])
def test_triples_are_counted_exactly_at_the_cap(store, fmt, rdflib_format):
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    body, counted = write_triples(solutions(store, construct), fmt, ROWS, 10**6)
    assert counted == ROWS == len(Graph().parse(data=body, format=rdflib_format))
    with pytest.raises(AnswerTooLargeError) as refused:
        write_triples(solutions(store, construct), fmt, ROWS - 1, 10**6)
    assert refused.value.what == "triples"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_byte_cap_stops_the_engine(store, fmt):
    whole, _ = write_solutions(solutions(store), fmt, ROWS, 10**6)
    assert write_solutions(solutions(store), fmt, ROWS, len(whole))[0] == whole
    with pytest.raises(AnswerTooLargeError) as refused:
        write_solutions(solutions(store), fmt, ROWS, len(whole) - 1)
    assert refused.value.what == "bytes"


def test_a_mark_split_between_chunks_is_counted_once():
    body = b'[{"a":1},{"b":2},{},{"c":3}],{' * 3
    for size in range(1, 12):
        sink = _Sink(10**6, (b"},{", b'},{"'))
        for start in range(0, len(body), size):
            sink.write(body[start:start + size])
        assert sink.counts == [body.count(b"},{"), body.count(b'},{"')] and sink.body() == body


def test_a_stopped_answer_leaves_no_cycle_holding_the_engine(store):
    """The engine's objects may be freed only on the thread that made them; a cycle through an
    answer stopped at a cap would leave them to the collector, which runs on any thread."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for fmt, rows, size in [("json", 5, 10**6), ("xml", 5, 10**6), ("json", ROWS, 100), ("csv", ROWS, 100)]:
            with pytest.raises(AnswerTooLargeError):
                write_solutions(solutions(store), fmt, rows, size)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if type(o).__name__ in ("frame", "traceback")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
