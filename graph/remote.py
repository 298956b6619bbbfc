"""A store that is a SPARQL 1.1 server: queries by the SPARQL 1.1 Protocol, loading by the
Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

For a deployment that outgrows one process: any number of stateless web workers over one
server. The server must answer queries over the union of its named graphs as the default
graph, as the embedded stores do (Oxigraph: ``--union-default-graph``; Fuseki:
``tdb2:unionDefaultGraph true``; GraphDB and Virtuoso do so by default).

Servers have no equivalent of bound parameters, so bindings are inlined as a ``VALUES`` block
at the head of the ``WHERE`` clause, built from RDF terms (never from text); the tests check
that this answers every named query as substitution does.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from .errors import StoreError
from .namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from .store import QueryResult, inline_bindings, plan_files_beside

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


def _term(binding: dict) -> Node:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


class SparqlServerStore:
    """The graph on a SPARQL 1.1 server at *query_url* (and *store_url* for loading)."""

    def __init__(self, query_url: str, store_url: str | None = None, timeout: float = 30.0):
        self.query_url = query_url
        self.store_url = store_url
        self.timeout = timeout

    def _request(self, url: str, data: bytes | None, headers: dict, method: str,
                 missing_ok: bool = False) -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as err:
            if missing_ok and err.code == 404:
                return "", b""
            detail = err.read().decode("utf-8", "replace").strip()[:500]
            raise StoreError(f"the SPARQL server at {url} answered {err.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {err}") from None

    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        text = inline_bindings(sparql, bindings)
        content_type, body = self._request(self.query_url, text.encode("utf-8"),
                                           {"Content-Type": "application/sparql-query", "Accept": ACCEPT},
                                           "POST")
        if content_type in ("application/n-triples", "text/plain", "text/turtle"):
            graph = Graph()
            graph.parse(data=body, format="nt" if content_type != "text/turtle" else "turtle")
            return QueryResult("graph", graph=graph)
        data = json.loads(body)
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        bound = set(bindings or {})
        variables = [v for v in data["head"].get("vars", []) if v not in bound]
        rows = [{v: _term(b[v]) for v in variables if v in b} for b in data["results"]["bindings"]]
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        ask = (f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ {subject.n3()} {predicate.n3()} {obj.n3()} }} }}")
        return bool(self.query(ask).boolean)

    def __len__(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        return int(rows[0]["n"]) if rows else 0

    def _graph_url(self, graph: str) -> str:
        if not self.store_url:
            raise StoreError("no Graph Store Protocol address to write to (POLICY_GRAPH_SPARQL_STORE_URL)")
        return f"{self.store_url}?{urllib.parse.urlencode({'graph': graph})}"

    def put_graph(self, graph: str, triples: Graph) -> int:
        """Replace the named graph *graph* on the server by *triples* (Graph Store Protocol PUT)."""
        data = triples.serialize(format="nt", encoding="utf-8")
        self._request(self._graph_url(graph), data, {"Content-Type": "application/n-triples"}, "PUT")
        return len(triples)

    def delete_graph(self, graph: str) -> None:
        """Drop the named graph *graph* from the server (Graph Store Protocol DELETE); a graph
        the server does not hold is already gone."""
        self._request(self._graph_url(graph), None, {}, "DELETE", missing_ok=True)

    def load(self, artefact: Path) -> dict[str, int]:
        """Replace each named graph on the server with the built artefact's and the loaded
        plans' (``plans/*.nq`` beside it), by Graph Store Protocol PUT (each graph is replaced
        whole, so a reload leaves no stale triples)."""
        if not self.store_url:
            raise StoreError("no Graph Store Protocol address to load into")
        if not artefact.is_file():
            raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
        graphs: dict[str, list[str]] = {str(g): [] for g in (ONTOLOGY_GRAPH, ASSERTED_GRAPH, INFERRED_GRAPH)}
        for path in [artefact, *plan_files_beside(artefact)]:
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    head, _, graph = line.rstrip(" .\n").rpartition(" <")
                    graphs.setdefault(graph.rstrip(">"), []).append(head + " .\n")
        counts = {}
        for graph, triples in graphs.items():
            url = f"{self.store_url}?{urllib.parse.urlencode({'graph': graph})}"
            self._request(url, "".join(triples).encode("utf-8"), {"Content-Type": "application/n-triples"}, "PUT")
            counts[graph] = len(triples)
        return counts
