"""Dereferenceable IRIs: every entity IRI ``https://w3id.org/nhs-wales-planning/id/X`` is
served here at ``/id/X``, and the ontology IRI at ``/ontology``.

Following the Cool URIs conventions (https://www.w3.org/TR/cooluris/), one URL serves both
the page for people and the data for machines, chosen by ``Accept`` (or a ``.ttl``, ``.nt``,
``.jsonld`` or ``.rdf`` suffix), with ``Vary: Accept`` and a ``Content-Location`` naming the
variant. Requests for HTML or JSON fall through to the browser's pages.

An organisation's ODS code is an address too: ``/id/7A2`` answers 303 See Other with the
organisation's own IRI (``/id/hywel-dda-uhb``), for pages and data alike. Item ids are lower
case and ODS codes are published in upper case, so the two can never name the same path; a
code is matched exactly as ODS writes it (``/id/7a2`` is an item id that names nothing).

A passage's address once carried its offsets (``/id/passage/tpg/23533-23591``); such an address
answers 308 Permanent Redirect with the passage that replaced it (``dcterms:replaces``, recorded
by the build for this edition's offsets and, after a build against a new edition, the previous
edition's), for pages and data alike, so links made before keep leading to the same words. So
does the address of a passage whose quote was edited since it was published
(``/id/passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee``, kept in
``graph/data/editions/passages.tsv``): the build records its successor the same way.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, redirect, render_template, request
from rdflib import Graph, URIRef

from graph.namespaces import ID, NWP, bind_prefixes
from web.auth import viewer
from web.endpoint.formats import GRAPH_FORMATS
from web.endpoint.sparql import CORS_HEADERS
from web.twins import wanted_format
from web.vary import by_accept

bp = Blueprint("linked_data", __name__)

SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".rdf": "rdfxml"}
#: Characters that no IRI may hold (RFC 3987), besides the controls.
_NOT_IN_IRIS = ' <>"{}|\\^`'
#: The characters beyond ASCII an IRI may hold (RFC 3987's ucschar); the rest of each plane's
#: end, the surrogates and U+FFFD (which also stands for bytes of an address that were not UTF-8) may not.
_UCSCHAR = [(0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
            *((plane, plane + 0xFFFD) for plane in range(0x10000, 0xF0000, 0x10000))]


def _fits_an_iri(char: str) -> bool:
    code = ord(char)
    if code < 0x80:
        return code > 0x20 and code != 0x7F and char not in _NOT_IN_IRIS
    return any(low <= code <= high for low, high in _UCSCHAR)


RDF_TYPES = {mime: key for key, (mime, _) in GRAPH_FORMATS.items()}
#: An ODS code as ODS publishes it (7A2, RQF, RT4), with any suffix that names a format.
_ODS_PATH = re.compile(r"^/id/(?P<code>(?=[0-9]*[A-Z])[A-Z0-9]{3,5})(?P<suffix>(?:\.[a-z]+)?)$")
#: A passage's address as it was when it carried offsets, with any suffix that names a format.
_OFFSET_PATH = re.compile(r"^/id/(?P<old>passage/[a-z0-9-]+/[0-9]+-[0-9]+)(?P<suffix>(?:\.[a-z]+)?)$")
#: Any other passage's address: one the build no longer makes leads to the passage that replaced it.
_PASSAGE_PATH = re.compile(r"^/id/(?P<old>passage/[a-z0-9-]+/[a-z0-9-]+)(?P<suffix>(?:\.[a-z]+)?)$")


def _negotiated(path: str) -> tuple[str, str] | None:
    """(resource path, format key) when this request asks for RDF, else None."""
    for suffix, key in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], key
    by_accept()
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
    if request.method not in ("GET", "HEAD") or not (path.startswith("/id/") or path.startswith("/ontology")):
        return None
    code = _ODS_PATH.match(path)
    if code is not None:
        return _by_code(code["code"], code["suffix"])
    by_offsets = _OFFSET_PATH.match(path)
    old = by_offsets or _PASSAGE_PATH.match(path)
    if old is not None:
        successor = _successor(old["old"])
        if successor is not None:
            return _moved_to(successor, old["suffix"])
        if by_offsets is not None:
            return Response(f"No passage of this graph was ever at {old['old']}.\n", status=404,
                            content_type="text/plain; charset=utf-8")
        # an address that was never replaced is a passage of this graph, or no resource at all
    wanted = _negotiated(path)
    if wanted is None:
        return None  # a page: the item pages answer an id that is no item with their own 404 page
    unfit = next((c for c in path if not _fits_an_iri(c)), None)
    if unfit is not None:
        return Response(f"No resource has {unfit!r} (U+{ord(unfit):04X}) in its id: it cannot be part of an IRI.\n",
                        status=400, content_type="text/plain; charset=utf-8")
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


def _by_code(code: str, suffix: str) -> Response:
    """303 to the organisation an ODS code identifies (keeping a format suffix), or a 404 naming
    the code."""
    rows = current_app.extensions["policy_graph"].query("identified-by", {"code": code}, viewer()).rows
    nodes = sorted({str(row["node"]) for row in rows if str(row.get("scheme", "")) == str(NWP.ODSCode)})
    if not nodes:
        return Response(f"No organisation in this graph has the ODS code {code}.\n", status=404,
                        content_type="text/plain; charset=utf-8")
    response = redirect("/id/" + nodes[0][len(str(ID)):] + suffix, code=303)
    response.headers.update(CORS_HEADERS)
    return response


def _successor(old: str) -> str | None:
    """The passage that replaced an earlier address (offset-style, or one whose quote was
    edited), or None."""
    rows = current_app.extensions["policy_graph"].query("replaced-by", {"old": old}, viewer()).rows
    passages = sorted({str(row["passage"]) for row in rows})
    return passages[0] if passages else None


def _moved_to(passage: str, suffix: str) -> Response:
    """308 to *passage*, keeping a format suffix and the query."""
    query = request.query_string.decode("utf-8", "replace")
    location = request.script_root + "/id/" + passage[len(str(ID)):] + suffix + (f"?{query}" if query else "")
    response = redirect(location, code=308)
    response.headers.update(CORS_HEADERS)
    return response


@bp.get("/ontology")
def ontology_page():
    """The ontology for a browser: a page that shows it as Turtle, the form it is maintained in,
    with a link to each download; its JSON twin is the JSON-LD."""
    if wanted_format() == "json":
        return _respond(_ontology_graph(), "jsonld", "/ontology")
    turtle = bind_prefixes(_ontology_graph()).serialize(format="turtle")
    # the downloads' addresses carry no ?lang= (which the app's links add): a suffix goes on the path
    here = request.script_root + "/ontology"
    return render_template("browse/ontology.html", turtle=turtle,
                           downloads={key: here + suffix for suffix, key in SUFFIXES.items()})
