"""The one small interface through which the library reaches the graph: every engine (rdflib,
Oxigraph in memory or on disk, a SPARQL 1.1 server) is behind it, and no other part of the
project touches one.

A store is opened on the built artefact and answers SPARQL with bound parameters; answers
come back as rdflib terms whichever engine produced them. The embedded default is Oxigraph
(pyoxigraph), which answers the named queries hundreds of times faster than rdflib; rdflib
stays available (``POLICY_GRAPH_STORE=rdflib``). Another engine only has to implement
:class:`Store` for every caller to work unchanged.

Parameters are bound before evaluation (rdflib's ``initBindings``; on Oxigraph and SPARQL
servers, a one-row VALUES block at the head of the WHERE clause); named queries select their
parameters and the stores leave them out of the answer.
"""

from __future__ import annotations

import os
from pathlib import Path

from graph.binding import inline_bindings
from graph.errors import StoreError
from graph.paths import ARTEFACT_NAME, default_layout
from graph.store.base import (
    PlanFiles,
    QueryResult,
    Store,
    plan_files_beside,
    plan_graph_of,
    read_named_graph,
    store_query,
)
from graph.store.disk import (
    OxigraphDiskStore,
    current_version,
    disk_store_location,
    disk_store_stamp,
    prepare_disk_store,
    prepare_disk_store_apart,
    refresh_disk_store,
    wants_disk_store,
)
from graph.store.integrity import ArtefactDamagedError, build_report, verify_artefact, when_built
from graph.store.oxigraph_store import OxigraphStore, to_oxigraph, to_rdflib
from graph.store.rdflib_store import RdflibStore

STORES = {"oxigraph": OxigraphStore, "oxigraph-disk": OxigraphDiskStore, "rdflib": RdflibStore}
DEFAULT_STORE = "oxigraph"


def open_store(artefact: Path | None = None, kind: str | None = None, server: str | None = None,
               store_url: str | None = None, plans: bool = True) -> Store:
    """Open the graph: the built artefact (by default ``build/policy-graph.nq`` of this
    checkout) with the organisations' plans loaded beside it, in the embedded store *kind*
    (default: ``POLICY_GRAPH_STORE``, else Oxigraph), or, for kind ``sparql``, the SPARQL
    server at *server* (``POLICY_GRAPH_SPARQL_URL``) that ``policy-graph push`` loaded, written
    to (a kept plan) at its Graph Store Protocol address *store_url*
    (``POLICY_GRAPH_SPARQL_STORE_URL``). With *plans* false, an embedded store leaves the plans out."""
    kind = kind or os.environ.get("POLICY_GRAPH_STORE") or DEFAULT_STORE
    if kind == "sparql":
        from graph.store.remote import SparqlServerStore

        server = server or os.environ.get("POLICY_GRAPH_SPARQL_URL")
        if not server:
            raise StoreError("the 'sparql' store needs the server's query address (POLICY_GRAPH_SPARQL_URL)")
        return SparqlServerStore(server, store_url or os.environ.get("POLICY_GRAPH_SPARQL_STORE_URL"))
    if kind not in STORES:
        raise StoreError(f"unknown store '{kind}'; choose one of {', '.join([*STORES, 'sparql'])}")
    return STORES[kind](artefact or default_layout().build_dir / ARTEFACT_NAME, plans=plans)


def plan_server(store: Store | None = None) -> Store | None:
    """The SPARQL server a kept plan must be put on as well as beside the built graph: *store*
    when it is one, else the server ``POLICY_GRAPH_STORE=sparql`` names; None for the embedded
    stores, which open the plans' files themselves."""
    from graph.store.remote import SparqlServerStore

    if store is None and os.environ.get("POLICY_GRAPH_STORE") == "sparql":
        store = open_store(kind="sparql")
    return store if isinstance(store, SparqlServerStore) else None


def push(artefact: Path, query_url: str, store_url: str) -> dict[str, int]:
    """Load the built graph *artefact* (and the plans beside it) into the SPARQL server at
    *query_url*, replacing each named graph by Graph Store Protocol PUT at *store_url*; the
    triples put in each graph. The artefact is checked against its build report first, so a
    damaged one is never pushed."""
    from graph.store.remote import SparqlServerStore

    return SparqlServerStore(query_url, store_url).load(verify_artefact(artefact), artefact)


def dump(artefact: Path, fmt: str) -> bytes:
    """The whole built graph as one graph (its named graphs merged) in *fmt*: turtle, ntriples or
    jsonld."""
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    store = ox.Store()
    store.bulk_load(path=str(verify_artefact(artefact)), format=ox.RdfFormat.N_QUADS)
    return store.query(store_query("everything"), use_default_graph_as_union=True).serialize(format=formats[fmt])


__all__ = ["ArtefactDamagedError", "DEFAULT_STORE", "OxigraphDiskStore", "OxigraphStore", "PlanFiles", "QueryResult",
           "RdflibStore", "build_report", "when_built",
           "STORES", "Store", "current_version", "disk_store_location", "disk_store_stamp", "dump",
           "inline_bindings", "open_store", "plan_files_beside", "plan_graph_of", "read_named_graph", "plan_server",
           "prepare_disk_store", "prepare_disk_store_apart", "push", "refresh_disk_store", "to_oxigraph",
           "to_rdflib", "verify_artefact", "wants_disk_store"]
