"""The result formats of the endpoint and how a request chooses one.

SELECT and ASK answers: SPARQL 1.1 Query Results JSON, XML, CSV and TSV. CONSTRUCT and
DESCRIBE answers: Turtle, N-Triples, JSON-LD and RDF/XML. A ``format`` parameter (a short
name or a media type) wins over ``Accept``, which is read with its q-values.
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

#: short name -> (media type, rdflib serializer name)
RESULT_FORMATS = {
    "json": ("application/sparql-results+json", "json"),
    "xml": ("application/sparql-results+xml", "xml"),
    "csv": ("text/csv", "csv"),
    "tsv": ("text/tab-separated-values", "tsv"),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", "turtle"),
    "ntriples": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdfxml": ("application/rdf+xml", "xml"),
}
#: Media types clients send for the same formats.
ALIASES = {
    "solutions": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "graph": {"application/x-turtle": "turtle", "text/plain": "ntriples", "application/json": "jsonld",
              "application/xml": "rdfxml", "text/xml": "rdfxml", "ttl": "turtle", "nt": "ntriples",
              "json-ld": "jsonld", "rdf": "rdfxml", "xml": "rdfxml"},
}


def _table(kind: str) -> dict[str, tuple[str, str]]:
    return GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS


def _offers(kind: str) -> dict[str, str]:
    """Every media type or name a request may use for *kind*, mapped to a short name."""
    table = _table(kind)
    offers = {mime: key for key, (mime, _) in table.items()}
    offers.update({key: key for key in table})
    offers.update(ALIASES["graph" if kind == "graph" else "solutions"])
    return offers


@lru_cache(maxsize=256)  # clients send a few Accept headers, again and again
def choose_format(kind: str, accept: str | None, format_param: str | None) -> str | None:
    """The short name of the format to answer *kind* ("solutions", "boolean" or "graph") in,
    or None when nothing the request accepts can be produced."""
    offers = _offers(kind)
    if format_param:
        return offers.get(format_param.strip().lower())
    table = _table(kind)
    if not accept or not accept.strip():
        return next(iter(table))
    parsed = parse_accept_header(accept, MIMEAccept)
    # The canonical media types first, so that */* picks the default format.
    candidates = [mime for mime, _ in table.values()] + [m for m in offers if "/" in m and m not in table]
    best = parsed.best_match(candidates)
    return offers.get(best) if best else None
