"""Answers to SPARQL protocol queries, written by the engine's own serialisers as it streams
them, within a cap on rows (triples) and on bytes.

The engine writes an answer in chunks to a sink that keeps the bytes, stops the engine at the
byte cap and counts rows as they pass: exactly where a format marks each row unambiguously
(a ``<result>`` in SPARQL XML, a line in TSV and N-Triples, whose terms escape line breaks),
otherwise as bounds (JSON and CSV, where a literal may hold what separates rows), confirmed
by reading the answer back only when the bounds straddle the cap. Turtle, JSON-LD and RDF/XML
group triples, so their triples are counted as the engine hands them over, then written in one
go. Nothing is converted to Python terms but those triples.
"""

from __future__ import annotations

import csv
import io
from itertools import islice

import pyoxigraph as ox

from graph.errors import AnswerTooLargeError
from graph.namespaces import PREFIXES

RESULT_WRITERS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
GRAPH_WRITERS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
#: The graph formats whose bytes show each triple on a line of its own.
LINE_PER_TRIPLE = {"ntriples"}
_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


class _Stop(Exception):
    """Raised into the engine to stop it writing; the sink keeps why."""


class _Sink:
    """What the engine writes to: the chunks, their size, and how often *marks* occur in them
    (a mark split between two chunks included)."""

    def __init__(self, max_bytes: int, marks: tuple[bytes, ...] = (), stop=None):
        self.parts: list[bytes] = []
        self.size = 0
        self.max_bytes = max_bytes
        self.marks = marks
        self.counts = [0] * len(marks)
        self.longest = max((len(m) for m in marks), default=1)
        self.tail = b""
        #: a check of the counts after each chunk: what went past its cap and the cap, or None
        self.stop = stop
        #: why the engine was stopped: what went past its cap, and the cap. Not the error itself,
        #: which would hold the frames that hold this sink and the engine's answer: a cycle, which
        #: the collector may free on another thread than the answer's, and the engine's objects
        #: may only be freed on their own
        self.stopped: tuple[str, int] | None = None

    def write(self, chunk) -> int:
        chunk = bytes(chunk)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.stopped = ("bytes", self.max_bytes)
            raise _Stop
        self.parts.append(chunk)
        if self.marks:
            window = self.tail + chunk
            for i, mark in enumerate(self.marks):
                # from as much of the last chunk's end as could begin this mark: none is counted twice
                self.counts[i] += window.count(mark, max(0, len(self.tail) - len(mark) + 1))
            self.tail = window[-(self.longest - 1):] if self.longest > 1 else b""
            if self.stop is not None:
                self.stopped = self.stop(self.counts)
                if self.stopped is not None:
                    raise _Stop
        return len(chunk)

    def flush(self) -> None:
        pass

    def body(self) -> bytes:
        return b"".join(self.parts)


def _run(write, sink: _Sink) -> bytes:
    """*write* into *sink*; the bytes, or the cap the sink stopped the engine at."""
    try:
        write(sink)
    except Exception:
        if sink.stopped is None:
            raise
    # raised here, after the engine's error is gone, so that nothing refers back to the frames
    if sink.stopped is not None:
        raise AnswerTooLargeError(*sink.stopped)
    return sink.body()


def _over(limit: int, what: str, lowest):
    return lambda counts: (what, limit) if lowest(counts) > limit else None


def write_solutions(solutions: ox.QuerySolutions, fmt: str, max_rows: int, max_bytes: int) -> tuple[bytes, int]:
    """*solutions* written in *fmt* (json, xml, csv or tsv); the bytes and the number of rows.

    :raise AnswerTooLargeError: past *max_rows* rows or *max_bytes* bytes."""
    writer = RESULT_WRITERS[fmt]
    if fmt == "xml":
        sink = _Sink(max_bytes, (b"<result>",), _over(max_rows, "rows", lambda c: c[0]))
        body = _run(lambda out: solutions.serialize(out, writer), sink)
        return body, sink.counts[0]
    if fmt == "tsv":
        sink = _Sink(max_bytes, (b"\n",), _over(max_rows, "rows", lambda c: c[0] - 1))
        body = _run(lambda out: solutions.serialize(out, writer), sink)
        return body, sink.counts[0] - 1
    if fmt == "json":
        # rows are separated by "},{"; a literal may hold those three bytes but not '},{"',
        # which separates every row from a next one that binds anything
        sink = _Sink(max_bytes, (b"},{", b'},{"'), _over(max_rows, "rows", lambda c: c[1] + 1 if c[1] else 0))
        body = _run(lambda out: solutions.serialize(out, writer), sink)
        most = sink.counts[0] + (0 if body.endswith(b'"bindings":[]}}') else 1)
        if most <= max_rows:
            return body, most if sink.counts[0] == sink.counts[1] else _json_rows(body)
        rows = _json_rows(body)
    else:
        # CSV: one line a row, but a quoted literal may hold a line break too
        sink = _Sink(max_bytes, (b"\r\n",))
        body = _run(lambda out: solutions.serialize(out, writer), sink)
        most = sink.counts[0] - 1
        if most <= max_rows and b'"' not in body:
            return body, most
        rows = len(list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))) - 1
    if rows > max_rows:
        raise AnswerTooLargeError("rows", max_rows)
    return body, rows


def _json_rows(body: bytes) -> int:
    return sum(1 for _ in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))


def write_triples(triples: ox.QueryTriples, fmt: str, max_triples: int, max_bytes: int) -> tuple[bytes, int]:
    """*triples* written in *fmt* (turtle, ntriples, jsonld or rdfxml); the bytes and the
    number of triples.

    :raise AnswerTooLargeError: past *max_triples* triples or *max_bytes* bytes."""
    writer = GRAPH_WRITERS[fmt]
    if fmt in LINE_PER_TRIPLE:
        sink = _Sink(max_bytes, (b"\n",), _over(max_triples, "triples", lambda c: c[0]))
        body = _run(lambda out: triples.serialize(out, writer), sink)
        return body, sink.counts[0]
    kept = list(islice(triples, max_triples + 1))
    if len(kept) > max_triples:
        raise AnswerTooLargeError("triples", max_triples)
    sink = _Sink(max_bytes)
    return _run(lambda out: ox.serialize(kept, out, writer, prefixes=_PREFIXES), sink), len(kept)


def write_boolean(answer: ox.QueryBoolean, fmt: str) -> bytes:
    """The answer to an ASK in *fmt* (json or xml)."""
    return answer.serialize(format=RESULT_WRITERS[fmt])
