"""A query worker: a separate process holding its own Oxigraph copy of the built graph.

Oxigraph queries cannot be interrupted from Python, so a query that runs past the time limit
is stopped by killing the process that runs it (see :mod:`web.endpoint.pool`); nothing the web
process holds is lost. The worker answers one job at a time: it runs the query, enforces the
row and size caps, and serialises the answer in the negotiated format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Variable
from rdflib.query import Result

from graph.errors import QueryError
from graph.store import Store, open_store
from web.endpoint.formats import GRAPH_FORMATS, RESULT_FORMATS, choose_format


@dataclass
class Job:
    query: str
    accept: str | None = None
    format: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int = 10_000
    max_bytes: int = 10_000_000


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    kind: str | None = None
    rows: int | None = None

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def execute(store: Store, job: Job) -> Reply:
    """Run one job against *store* and return the HTTP answer."""
    try:
        result = store.answer(job.query, job.default_graphs, job.named_graphs)
    except QueryError as exc:
        return Reply.error(400, str(exc))
    kind = result.kind
    key = choose_format(kind, job.accept, job.format)
    if key is None:
        offered = ", ".join(m for m, _ in (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS).values())
        return Reply.error(406, f"None of the requested formats can carry this result; available: {offered}")
    too_many = (f"The answer has more than {job.max_rows} rows, the limit of this endpoint; "
                f"add a LIMIT (at most {job.max_rows}) or narrow the query.")
    try:
        if kind == "graph":
            graph = Graph()
            for count, triple in enumerate(result.triples, start=1):
                if count > job.max_rows:
                    return Reply.error(400, too_many.replace("rows", "triples"))
                graph.add(triple)
            mime, rdflib_format = GRAPH_FORMATS[key]
            body = graph.serialize(format=rdflib_format, encoding="utf-8")
            rows = len(graph)
        else:
            answer = Result("ASK" if kind == "boolean" else "SELECT")
            if kind == "boolean":
                answer.askAnswer = bool(result.boolean)
                rows = None
            else:
                variables = [Variable(v) for v in result.variables]
                bindings = []
                for count, solution in enumerate(result.rows, start=1):
                    if count > job.max_rows:
                        return Reply.error(400, too_many)
                    bindings.append({Variable(name): term for name, term in solution.items()})
                answer.vars, answer.bindings = variables, bindings
                rows = len(bindings)
            mime, rdflib_format = RESULT_FORMATS[key]
            body = tsv(answer) if key == "tsv" else answer.serialize(format=rdflib_format, encoding="utf-8")
    except (OSError, ValueError) as exc:
        return Reply.error(400, f"Query failed: {exc}")
    if len(body) > job.max_bytes:
        return Reply.error(400, f"The answer is larger than {job.max_bytes} bytes, the limit of this endpoint; "
                                "narrow the query or add a LIMIT.")
    charset = "; charset=utf-8" if mime.startswith("text/") or "json" in mime or "xml" in mime else ""
    return Reply(200, mime + charset, body, kind, rows)


def tsv(answer: Result) -> bytes:
    """SPARQL 1.1 Query Results TSV: a header of ``?names``, then terms in Turtle syntax.
    https://www.w3.org/TR/sparql11-results-csv-tsv/#tsv"""
    if answer.type == "ASK":
        return b"?_askResult\n" + (b"true\n" if answer.askAnswer else b"false\n")
    lines = ["\t".join(f"?{v}" for v in answer.vars)]
    for row in answer.bindings:
        lines.append("\t".join(row[v].n3() if v in row else "" for v in answer.vars))
    return ("\n".join(lines) + "\n").encode("utf-8")


def worker_main(conn, artefact: str, plans: bool = False) -> None:
    """Process entry point: load the graph (with the organisations' plans kept beside it only
    when *plans*), say ready, then answer jobs until told to stop."""
    store = open_store(Path(artefact), "oxigraph", plans=plans)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply = execute(store, job)
        except Exception as exc:  # noqa: BLE001 - one bad job must not take the worker down
            reply = Reply.error(500, f"The query could not be answered: {exc}")
        conn.send(reply)
