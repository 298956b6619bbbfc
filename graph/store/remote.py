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

import http.client
import json
import os
import threading
import urllib.parse
import weakref
from collections.abc import Mapping
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graph.binding import Bound, fixed, inline_bindings
from graph.errors import StoreError
from graph.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from graph.store.base import QueryResult, plan_files_beside, plan_graph_of, store_query

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


def _close_all(idle: list) -> None:
    while idle:
        pid, _, connection = idle.pop()
        if pid == os.getpid():
            connection.close()


class SparqlServerStore:
    serial = False

    """The graph on a SPARQL 1.1 server at *query_url* (and *store_url* for loading)."""

    def __init__(self, query_url: str, store_url: str | None = None, timeout: float = 30.0):
        self.query_url = query_url
        self.store_url = store_url
        self.timeout = timeout
        for url in (query_url, store_url):
            if url and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise StoreError(f"the SPARQL server address {url} is not an http:// or https:// address")
        # connections kept alive between requests, each used by one request at a time: a new
        # connection for every lookup cost more than the lookup itself
        self._idle: list[tuple[int, str, http.client.HTTPConnection]] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._idle)

    def _connection(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        with self._lock:
            for i, (pid, netloc, connection) in enumerate(self._idle):
                if pid == os.getpid() and netloc == parts.netloc:
                    del self._idle[i]
                    return connection
        return self._connection_new(parts)

    def _keep(self, parts: urllib.parse.SplitResult, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            # a forked worker never uses its parent's connections; the parent keeps them open
            stale = [c for pid, _, c in self._idle if pid != os.getpid()]
            self._idle[:] = [kept for kept in self._idle if kept[0] == os.getpid()]
            if len(self._idle) < 32:
                self._idle.append((os.getpid(), parts.netloc, connection))
            else:
                stale.append(connection)
        for c in stale:
            c.close()

    def _connection_new(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        return kind(parts.netloc, timeout=self.timeout)

    def close(self) -> None:
        """Close the connections kept open to the server."""
        _close_all(self._idle)

    def _request(self, url: str, data: bytes | None, headers: dict, method: str,
                 missing_ok: bool = False) -> tuple[str, bytes]:
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            connection = self._connection(parts) if attempt == 0 else self._connection_new(parts)
            try:
                connection.request(method, target, body=data, headers=headers)
                response = connection.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as err:
                # a kept connection the server has since closed: once more on a new one
                connection.close()
                if attempt:
                    raise StoreError(f"cannot reach the SPARQL server at {url}: {err}") from None
            except (http.client.HTTPException, OSError) as err:
                connection.close()
                raise StoreError(f"cannot reach the SPARQL server at {url}: {err}") from None
        if response.will_close:
            connection.close()
        else:
            self._keep(parts, connection)
        if response.status == 404 and missing_ok:
            return "", b""
        if response.status >= 300:
            detail = body.decode("utf-8", "replace").strip()[:500]
            raise StoreError(f"the SPARQL server at {url} answered {response.status}: {detail}")
        return response.headers.get_content_type(), body

    def query(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> QueryResult:
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
        bound = fixed(bindings)
        variables = [v for v in data["head"].get("vars", []) if v not in bound]
        rows = [{v: _term(b[v]) for v in variables if v in b} for b in data["results"]["bindings"]]
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return bool(self.query(store_query("is_inferred"), {"s": subject, "p": predicate, "o": obj}).boolean)

    def refresh(self) -> bool:
        """Every process queries the one server, where a kept plan is put: nothing to follow."""
        return False

    def __len__(self) -> int:
        rows = self.query(store_query("triple_count")).rows
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

    def load(self, artefact: Path, beside: Path | None = None) -> dict[str, int]:
        """Replace each named graph on the server with the built artefact's and the loaded
        plans' (``plans/*.nq`` beside *beside*, by default beside the artefact), by Graph Store
        Protocol PUT (each graph is replaced whole, so a reload leaves no stale triples)."""
        if not self.store_url:
            raise StoreError("no Graph Store Protocol address to load into")
        if not artefact.is_file():
            raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
        graphs: dict[str, list[str]] = {str(g): [] for g in (ONTOLOGY_GRAPH, ASSERTED_GRAPH, INFERRED_GRAPH)}
        with artefact.open(encoding="utf-8") as lines:
            for line in lines:
                head, _, graph = line.rstrip(" .\n").rpartition(" <")
                graphs.setdefault(graph.rstrip(">"), []).append(head + " .\n")
        for path in plan_files_beside(beside or artefact):
            statements = _plan_statements(path)
            if statements is not None:  # else set aside, with a warning naming it: the others are pushed
                graphs[plan_graph_of(path)] = statements
        counts = {}
        for graph, triples in graphs.items():
            url = f"{self.store_url}?{urllib.parse.urlencode({'graph': graph})}"
            self._request(url, "".join(triples).encode("utf-8"), {"Content-Type": "application/n-triples"}, "PUT")
            counts[graph] = len(triples)
        return counts


def _plan_statements(path: Path) -> list[str] | None:
    """The statements of the kept plan file *path*, as N-Triples lines, or None when it cannot
    be pushed: N-Quads that do not parse, or a quad outside the plan's own named graph (a
    damaged file must not replace another graph on the server). Such a file is set aside as any
    store sets it aside (:mod:`graph.store.quarantine`)."""
    import pyoxigraph as ox

    from graph.store.quarantine import set_aside

    own = plan_graph_of(path)
    try:
        inode = path.stat().st_ino
    except OSError:
        return None  # removed since it was listed
    if not os.access(path, os.R_OK):
        raise StoreError(f"the kept plan {path} cannot be read by this user; nothing was pushed")
    statements = []
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode) or quad.graph_name.value != own:
                raise ValueError(f"a statement is in {quad.graph_name}, not in the plan's graph <{own}>")
            statements.append(f"{quad.triple} .\n")
    except FileNotFoundError:
        return None  # removed since it was listed
    except (SyntaxError, ValueError, OSError) as exc:
        set_aside(path, str(exc), inode)
        return None
    return statements
