"""The public SPARQL 1.1 endpoint (https://www.w3.org/TR/sparql11-protocol/), its service
description and VoID, and full dataset dumps.

The endpoint is read-only and makes no outbound requests: updates are refused whatever the
method, and queries run in worker processes that cannot open a network socket
(:mod:`web.endpoint.sandbox`), are killed at the time limit and are replaced when they die; only
a lookup of one triple pattern, which can neither run long nor make a request, is answered in
this process, over the graphs a worker holds (:mod:`web.endpoint.simple`).
``SERVICE`` is also refused at sight, for a clear message; that check is a courtesy, not the
boundary. The endpoint takes a bounded number of queries at once, so that it never holds every
thread a page would need.
"""

from __future__ import annotations

import json
import math
import re
import threading
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from graph.namespaces import ID, short
from graph.queries import example_text, example_value
from web.endpoint import simple
from web.endpoint.formats import GRAPH_FORMATS, RESULT_FORMATS
from web.endpoint.pool import WorkerPool
from web.endpoint.protocol import READ_ONLY, ProtocolError, QueryRequest, read_request
from web.endpoint.text import nesting_depth, update_keyword, uses_service
from web.endpoint.void import dataset_dump, service_description, void_description
from web.endpoint.worker import Job, Reply
from web.vary import by_accept

bp = Blueprint("sparql", __name__)
_gate_lock = threading.Lock()
#: Queries that may wait for a place where SPARQL_WAITING is not set, as when served other than
#: by ``policy-graph serve`` (which sets it from its threads: web/wsgi_server.py).
UNSERVED_WAITING = 8
_SURROGATE = re.compile("[\ud800-\udfff]")
_SERVICE = re.compile("service", re.IGNORECASE)
_pool_lock = threading.Lock()

#: What lets a page on another origin read an answer; the rest of CORS is said once, in the
#: answer to the browser's preflight (PREFLIGHT_HEADERS), the only answer it is read from.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}


def _pool(app: Flask) -> WorkerPool:
    """*app*'s query workers; when they show the kept plans, started again once the plans change."""
    generation = app.extensions["policy_graph"].generation
    expose = bool(app.config.get("SPARQL_EXPOSE_PLANS"))
    with _pool_lock:
        pool = app.extensions.get("sparql_pool")
        if pool is not None and expose and app.extensions.get("sparql_pool_generation") != generation:
            pool.close()
            pool = None
        if pool is None:
            config = app.config
            pool = WorkerPool(Path(config["GRAPH_PATH"]), config["SPARQL_WORKERS"], expose,
                              memory_mb=config["SPARQL_WORKER_MEMORY_MB"],
                              start_seconds=config["SPARQL_WORKER_START_SECONDS"])
            app.extensions["sparql_pool"] = pool
            app.extensions["sparql_pool_generation"] = generation
        return pool


def start_query_workers(app) -> None:
    """Start *app*'s query workers now, as a web worker starts, rather than on the first query:
    otherwise each web worker's first queries wait while its workers load the graph, and under
    a burst of them the endpoint turns most away as full."""
    _pool(app)


def _gate(app: Flask) -> tuple[threading.BoundedSemaphore, threading.BoundedSemaphore | None, int]:
    """The places for queries in progress in this process (``SPARQL_QUEUE``, by default one
    more than the workers: those waiting for a worker count), the places to wait briefly for
    one (``SPARQL_WAITING``), and how many places there are."""
    with _gate_lock:
        gate = app.extensions.get("sparql_gate")
        if gate is None:
            places = app.config["SPARQL_QUEUE"] or app.config["SPARQL_WORKERS"] + 1
            waiting = app.config["SPARQL_WAITING"]
            waiting = UNSERVED_WAITING if waiting is None else waiting
            queue = threading.BoundedSemaphore(waiting) if waiting > 0 else None
            gate = app.extensions["sparql_gate"] = (threading.BoundedSemaphore(places), queue, places)
        return gate


def _run_admitted(app: Flask, job: Job, timeout: float) -> Reply:
    """Run *job* when a place is free, waiting a moment for one (a burst of quick lookups
    finds places as they free up) if few others already wait; else say at once that the
    endpoint is full, rather than hold a thread of the web server that a page could need."""
    gate, queue, places = _gate(app)
    admitted = gate.acquire(blocking=False)
    if not admitted and queue is not None and queue.acquire(blocking=False):
        try:
            admitted = gate.acquire(timeout=app.config["SPARQL_ADMIT_WAIT"])
        finally:
            queue.release()
    if not admitted:
        wait = math.ceil(timeout)
        return Reply.error(503, f"This server is already answering as many SPARQL queries as it takes ({places}); "
                                f"try again in {wait} s.", retry_after=wait)
    try:
        return _pool(app).run(job, timeout)
    finally:
        gate.release()


def _reply(reply: Reply) -> Response:
    response = Response(reply.body, status=reply.status, content_type=reply.content_type)
    response.headers.update(CORS_HEADERS)
    response.vary.add("Accept")
    if reply.retry_after is not None:
        response.headers["Retry-After"] = str(reply.retry_after)
    return response


def _error(status: int, message: str) -> Response:
    return _reply(Reply.error(status, message))


def _wants_html(params: QueryRequest) -> bool:
    """A browser asking for a page: text/html named in Accept (not merely */*), no format."""
    by_accept()
    named = {mime for mime, _quality in request.accept_mimetypes}
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/sparql-results+json", "text/turtle", "application/json"])
    return "text/html" in named and best == "text/html" and not params.get("format")


def _lone_surrogate(text: str) -> int | None:
    """Where *text* holds half of a UTF-16 pair on its own, which is no character (from 1)."""
    found = _SURROGATE.search(text)
    return found.start() + 1 if found else None


def run_query(text: str, accept: str | None, fmt: str | None, params: QueryRequest | None = None) -> Reply:
    """Check *text* against the endpoint's rules, then run it in a worker (for this request)."""
    return answer_query(current_app._get_current_object(), text, accept, fmt, params or QueryRequest(text),
                        request.base_url)


def answer_query(app: Flask, text: str, accept: str | None, fmt: str | None, params: QueryRequest,
                 base: str) -> Reply:
    """Check *text* against the endpoint's rules, then run it in one of *app*'s workers (or,
    for a lookup that cannot run long, here: :mod:`web.endpoint.simple`), with
    *base* (the address it was sent to) as its base IRI: the one function that answers every
    query, whether through Flask or the lean path (:mod:`web.endpoint.lean`)."""
    config = app.config
    if len(text) > config["SPARQL_MAX_QUERY_LENGTH"]:
        return Reply.error(413, f"The query is {len(text)} characters long; this endpoint accepts at most "
                                f"{config['SPARQL_MAX_QUERY_LENGTH']}.")
    where = _lone_surrogate(text)
    if where:
        return Reply.error(400, f"The query holds half of a UTF-16 surrogate pair at character {where}, "
                                "which is not a character.")
    # a lookup of one triple pattern is nothing the readings below look for (an update, a SERVICE
    # clause, brackets nested deeper than one), but where the word SERVICE is in a name or a
    # language tag (ex:a.SERVICE), which they would take for a clause: they are left out for it
    lookup = simple.recognise(text)
    if lookup is None or _SERVICE.search(text) or config["SPARQL_MAX_DEPTH"] < 1:
        depth, most = nesting_depth(text), config["SPARQL_MAX_DEPTH"]
        if depth > most:
            return Reply.error(400, f"The query's brackets are nested {depth} deep; this endpoint accepts at most "
                                    f"{most}.")
        keyword = update_keyword(text)
        if keyword:
            return Reply.error(403, READ_ONLY.format(keyword))
        if uses_service(text):
            return Reply.error(403, "SERVICE is not allowed: this endpoint makes no requests to other endpoints.")
    default_graphs, named_graphs = params.all("default-graph-uri"), params.all("named-graph-uri")
    for iri in default_graphs + named_graphs:
        if not iri.startswith(("http://", "https://")) or any(c in iri for c in ' <>"{}|^`\\') \
                or any(ord(c) < 0x20 for c in iri):
            return Reply.error(400, f"{iri!r} is not a valid graph IRI.")
    job = Job(text, accept, fmt, default_graphs, named_graphs, config["SPARQL_MAX_ROWS"], config["SPARQL_MAX_BYTES"],
              base=base)
    # a lookup that cannot run long is answered here, by the same function a worker uses
    reply = None if lookup is None else simple.answer(app, job)
    if reply is not None:
        return reply
    return _run_admitted(app, job, config["SPARQL_TIMEOUT"])


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint():
    """SPARQL 1.1 Protocol query operation; with no query, the service description. HEAD
    answers as GET does, without the body.

    :raise 403: for SPARQL Update or SERVICE; 400 for a malformed query (with its position), an
        empty one, two queries, bytes that are not UTF-8 or nesting too deep; 406 when no
        acceptable format exists; 413 for an overlong query; 415 for a body of another type;
        503 at the time or memory limit or when the endpoint is busy (with Retry-After).
    """
    try:
        params = read_request(request)
    except ProtocolError as refused:
        return _error(refused.status, refused.message)
    text = params.query
    if text is None:
        if request.method == "POST":
            return _error(400, "No query: send it as the 'query' parameter or as an application/sparql-query body.")
        if _wants_html(params):
            return _page(_page_context("", params))
        response = Response(service_description(request.url_root.rstrip("/"), current_app),
                            content_type="text/turtle; charset=utf-8")
        response.headers.update(CORS_HEADERS)
        return response
    if not text.strip():
        return _error(400, "The query is empty.")
    if request.method in ("GET", "HEAD") and _wants_html(params):
        return _page(_page_context(text, params))
    return _reply(run_query(text, request.headers.get("Accept"), params.get("format") or params.get("output"),
                            params))


@bp.route("/sparql", methods=["OPTIONS"])
def preflight():
    """CORS preflight for browser-based SPARQL clients on other origins."""
    response = Response(status=204)
    response.headers.update(PREFLIGHT_HEADERS)
    return response


#: The editor (YASGUI, served from this app) styles its widgets inline; nothing else is relaxed.
EDITOR_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def query_link(text: str, **params: str) -> str:
    """The address of the query page (or, with ``format``, the answer) for query *text*, with
    every character of the query that is not a letter, digit or one of ``-._~`` percent-encoded:
    a ``;`` left as it is splits the query for readers that take it as a separator, as ``&``."""
    path, _, rest = url_for("sparql.endpoint", **params).partition("?")
    return f"{path}?query={quote(text, safe='')}" + (f"&{rest}" if rest else "")


def _page(context: dict) -> Response:
    response = Response(render_template("sparql/query.html", query_link=query_link, **context),
                        status=context["status"], content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


def _page_context(text: str, params: QueryRequest) -> dict:
    """The query page: the editor, the examples, and the answer as a table when there is one."""
    queries = current_app.extensions["policy_graph"].queries
    examples = [{"name": q.cli_name, "title": q.title, "description": q.description, "text": example_text(q),
                 "parameters": {p.name: example_value(p) for p in q.parameters}} for q in queries.values()]
    context = {"query": text, "examples": examples, "result": None, "error": None, "status": 200,
               "formats": {**{k: m for k, (m, _) in RESULT_FORMATS.items()},
                           **{k: m for k, (m, _) in GRAPH_FORMATS.items()}}}
    if not text:
        return context
    reply = run_query(text, "application/sparql-results+json, text/turtle;q=0.9", None, params)
    if reply.status != 200:
        context["error"], context["status"] = reply.body.decode("utf-8"), reply.status
    elif reply.kind == "graph":
        context["result"] = {"kind": "graph", "text": reply.body.decode("utf-8")}
    else:
        data = json.loads(reply.body)
        if "boolean" in data:
            context["result"] = {"kind": "boolean", "value": data["boolean"]}
        else:
            names = data["head"]["vars"]
            rows = [[_cell(row.get(v)) for v in names] for row in data["results"]["bindings"]]
            context["result"] = {"kind": "solutions", "vars": names, "rows": rows}
    context["kind"] = reply.kind
    return context


def _cell(binding: dict | None) -> dict:
    if not binding:
        return {"text": ""}
    value = binding["value"]
    if binding["type"] == "uri":
        link = "/id/" + value[len(str(ID)):] if value.startswith(str(ID)) else None
        return {"text": short(value), "href": link, "title": value}
    return {"text": value}


@bp.get("/void")
@bp.get("/void.ttl")
def void():
    """The VoID description of the dataset (Turtle)."""
    body = void_description(request.url_root.rstrip("/"), current_app)
    response = Response(body, content_type="text/turtle; charset=utf-8")
    response.headers.update(CORS_HEADERS)
    return response


DUMP_FORMATS = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "nq": "nquads"}


@bp.get("/dumps/policy-graph.<ext>")
def dump(ext: str):
    """The whole graph (ontology, asserted and inferred triples) as one download."""
    if ext not in DUMP_FORMATS:
        return _error(404, f"No dump in '.{ext}'; available: {', '.join('.' + e for e in DUMP_FORMATS)}.")
    body, mime = dataset_dump(current_app, DUMP_FORMATS[ext])
    response = Response(body, content_type=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="policy-graph.{ext}"'
    response.headers["Link"] = ('<http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>; '
                                'rel="license"')
    response.headers.update(CORS_HEADERS)
    return response
