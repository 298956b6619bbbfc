"""The public SPARQL 1.1 endpoint (https://www.w3.org/TR/sparql11-protocol/), its service
description and VoID, and full dataset dumps.

The endpoint is read-only and makes no outbound requests: updates are refused whatever the
method, ``SERVICE`` is refused before any engine sees the query, and queries run in worker
processes that are killed at the time limit.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request

from graph.namespaces import ID, short
from graph.queries import example_text, example_value
from web.endpoint.formats import GRAPH_FORMATS, RESULT_FORMATS
from web.endpoint.pool import WorkerPool
from web.endpoint.text import update_keyword, uses_service
from web.endpoint.void import dataset_dump, service_description, void_description
from web.endpoint.worker import Job, Reply

bp = Blueprint("sparql", __name__)
_pool_lock = threading.Lock()

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}
READ_ONLY = "This endpoint is read-only: SPARQL Update ({}) is not accepted."


def _pool() -> WorkerPool:
    """The query workers; when they show the kept plans, started again once the plans change."""
    generation = current_app.extensions["policy_graph"].generation
    expose = bool(current_app.config.get("SPARQL_EXPOSE_PLANS"))
    with _pool_lock:
        pool = current_app.extensions.get("sparql_pool")
        if pool is not None and expose and current_app.extensions.get("sparql_pool_generation") != generation:
            pool.close()
            pool = None
        if pool is None:
            pool = WorkerPool(Path(current_app.config["GRAPH_PATH"]), current_app.config["SPARQL_WORKERS"], expose)
            current_app.extensions["sparql_pool"] = pool
            current_app.extensions["sparql_pool_generation"] = generation
        return pool


def _reply(reply: Reply) -> Response:
    response = Response(reply.body, status=reply.status, content_type=reply.content_type)
    response.headers.update(CORS_HEADERS)
    response.headers["Vary"] = "Accept"
    return response


def _error(status: int, message: str) -> Response:
    return _reply(Reply.error(status, message))


def _wants_html() -> bool:
    """A browser asking for a page: text/html named in Accept (not merely */*), no format."""
    named = {mime for mime, _quality in request.accept_mimetypes}
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/sparql-results+json", "text/turtle", "application/json"])
    return "text/html" in named and best == "text/html" and not request.values.get("format")


def _request_query() -> tuple[str | None, Response | None]:
    """The query text of this request by the three protocol operations, or an error."""
    if request.method == "GET":
        if "update" in request.args:
            return None, _error(403, READ_ONLY.format("update parameter"))
        return request.args.get("query"), None
    mimetype = request.mimetype
    if mimetype == "application/sparql-update":
        return None, _error(403, READ_ONLY.format("application/sparql-update"))
    if mimetype == "application/x-www-form-urlencoded":
        if "update" in request.form:
            return None, _error(403, READ_ONLY.format("update parameter"))
        return request.form.get("query"), None
    if mimetype == "application/sparql-query":
        return request.get_data(as_text=True), None
    return None, _error(415, f"Unsupported content type '{mimetype or 'none'}': send a query as "
                             "application/sparql-query or application/x-www-form-urlencoded.")


def _graph_params(name: str) -> list[str]:
    values = request.args.getlist(name) + (request.form.getlist(name) if request.method == "POST" else [])
    return [v for v in values if v]


def run_query(text: str, accept: str | None, fmt: str | None) -> Reply:
    """Check *text* against the endpoint's rules, then run it in a worker."""
    config = current_app.config
    if len(text) > config["SPARQL_MAX_QUERY_LENGTH"]:
        return Reply.error(413, f"The query is {len(text)} characters long; this endpoint accepts at most "
                                f"{config['SPARQL_MAX_QUERY_LENGTH']}.")
    keyword = update_keyword(text)
    if keyword:
        return Reply.error(403, READ_ONLY.format(keyword))
    if uses_service(text):
        return Reply.error(403, "SERVICE is not allowed: this endpoint makes no requests to other endpoints.")
    for iri in _graph_params("default-graph-uri") + _graph_params("named-graph-uri"):
        if not iri.startswith(("http://", "https://")) or any(c in iri for c in ' <>"{}|^`\\'):
            return Reply.error(400, f"'{iri}' is not a valid graph IRI.")
    job = Job(text, accept, fmt, _graph_params("default-graph-uri"), _graph_params("named-graph-uri"),
              config["SPARQL_MAX_ROWS"], config["SPARQL_MAX_BYTES"])
    return _pool().run(job, config["SPARQL_TIMEOUT"])


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint():
    """SPARQL 1.1 Protocol query operation; with no query, the service description.

    :raise 403: for SPARQL Update or SERVICE; 400 for a malformed query (with its position);
        406 when no acceptable format exists; 413 for an overlong query; 503 at the time limit.
    """
    text, problem = _request_query()
    if problem is not None:
        return problem
    if text is None or not text.strip():
        if request.method == "POST":
            return _error(400, "No query: send it as the 'query' parameter or as an application/sparql-query body.")
        if _wants_html():
            return _page(_page_context(""))
        response = Response(service_description(request.url_root.rstrip("/"), current_app),
                            content_type="text/turtle; charset=utf-8")
        response.headers.update(CORS_HEADERS)
        return response
    if request.method == "GET" and _wants_html():
        return _page(_page_context(text))
    return _reply(run_query(text, request.headers.get("Accept"),
                            request.values.get("format") or request.values.get("output")))


@bp.route("/sparql", methods=["OPTIONS"])
def preflight():
    """CORS preflight for browser-based SPARQL clients on other origins."""
    response = Response(status=204)
    response.headers.update(CORS_HEADERS)
    return response


#: The editor (YASGUI, served from this app) styles its widgets inline; nothing else is relaxed.
EDITOR_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def _page(context: dict) -> Response:
    response = Response(render_template("sparql/query.html", **context), status=context["status"],
                        content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


def _page_context(text: str) -> dict:
    """The query page: the editor, the examples, and the answer as a table when there is one."""
    queries = current_app.extensions["policy_graph"].queries
    examples = [{"name": q.cli_name, "title": q.title, "description": q.description, "text": example_text(q),
                 "parameters": {p.name: example_value(p) for p in q.parameters}} for q in queries.values()]
    context = {"query": text, "examples": examples, "result": None, "error": None, "status": 200,
               "formats": {**{k: m for k, (m, _) in RESULT_FORMATS.items()},
                           **{k: m for k, (m, _) in GRAPH_FORMATS.items()}}}
    if not text:
        return context
    reply = run_query(text, "application/sparql-results+json, text/turtle;q=0.9", None)
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
