"""Dereferenceable IRIs: every entity IRI ``https://w3id.org/nhs-wales-planning/id/X`` is
served here at ``/id/X``, and the ontology IRI at ``/ontology``.

Following the Cool URIs conventions (https://www.w3.org/TR/cooluris/), one URL serves both
the page for people and the data for machines, chosen by ``Accept`` (or a ``.ttl``, ``.nt``,
``.jsonld`` or ``.rdf`` suffix), with ``Vary: Accept`` and a ``Content-Location`` naming the
variant. Requests for HTML or JSON fall through to the browser's pages.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from rdflib import Graph, URIRef

from graph.namespaces import ID, bind_prefixes
from web.auth import viewer
from web.endpoint.formats import GRAPH_FORMATS
from web.endpoint.sparql import CORS_HEADERS

bp = Blueprint("linked_data", __name__)

SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".rdf": "rdfxml"}
RDF_TYPES = {mime: key for key, (mime, _) in GRAPH_FORMATS.items()}


def _negotiated(path: str) -> tuple[str, str] | None:
    """(resource path, format key) when this request asks for RDF, else None."""
    for suffix, key in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], key
    best = request.accept_mimetypes.best_match(["text/html", "application/json", *RDF_TYPES])
    if best in RDF_TYPES and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]:
        return path, RDF_TYPES[best]
    return None


def _respond(graph: Graph, key: str, location: str) -> Response:
    mime, rdflib_format = GRAPH_FORMATS[key]
    body = bind_prefixes(graph).serialize(format=rdflib_format, encoding="utf-8")
    response = Response(body, content_type=mime + ("; charset=utf-8" if mime.startswith("text/") else ""))
    suffix = next(s for s, k in SUFFIXES.items() if k == key)
    response.headers["Content-Location"] = location + suffix
    response.headers["Vary"] = "Accept"
    response.headers.update(CORS_HEADERS)
    return response


def _ontology_graph() -> Graph:
    cached = current_app.extensions.get("ontology_graph")
    if cached is None:
        cached = current_app.extensions["policy_graph"].query("ontology").graph
        current_app.extensions["ontology_graph"] = cached
    return cached


@bp.before_app_request
def rdf_for_machines():
    """Answer RDF requests for entity and ontology IRIs before the HTML pages see them."""
    path = request.path
    if request.method != "GET" or not (path.startswith("/id/") or path.startswith("/ontology")):
        return None
    wanted = _negotiated(path)
    if wanted is None:
        return None
    resource, key = wanted
    if resource == "/ontology":
        return _respond(_ontology_graph(), key, resource)
    if not resource.startswith("/id/"):
        return None
    iri = URIRef(str(ID) + resource[len("/id/"):])
    result = current_app.extensions["policy_graph"].query("describe", {"node": str(iri)}, viewer())
    if not result.graph or len(result.graph) == 0:
        return Response(f"No resource {iri} in this graph.\n", status=404, content_type="text/plain; charset=utf-8")
    return _respond(result.graph, key, resource)


@bp.get("/ontology")
def ontology_page():
    """The ontology for a browser: served as Turtle text, the form it is maintained in."""
    return _respond(_ontology_graph(), "turtle", "/ontology")
