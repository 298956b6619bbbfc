"""The one small interface through which the CLI and the web app reach the graph.

A store is opened on the built artefact and answers SPARQL with bound parameters; answers
come back as rdflib terms whichever engine produced them. The embedded default is Oxigraph
(pyoxigraph), which answers the named queries hundreds of times faster than rdflib; rdflib
stays available (``POLICY_GRAPH_STORE=rdflib``). Another engine (a remote SPARQL server) only
has to implement :class:`Store` for every caller to work unchanged.

Parameters are bound before evaluation (rdflib's ``initBindings``; on Oxigraph and SPARQL
servers, a one-row VALUES block at the head of the WHERE clause); named queries select their
parameters and the stores leave them out of the answer.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier, Node

from graph.errors import StoreError
from graph.namespaces import GRAPHS, INFERRED_GRAPH, bind_prefixes
from graph.paths import ARTEFACT_NAME, default_layout


def plan_files_beside(artefact: Path) -> list[Path]:
    """The organisations' plans loaded beside the built artefact (``plans/*.nq``), each in its
    own named graph; opening the artefact opens them too, so their commitments are queryable."""
    folder = artefact.parent / "plans"
    return sorted(folder.glob("*.nq")) if folder.is_dir() else []


def plan_graph_of(path: Path) -> str:
    """The named graph that the plan kept in *path* (``plans/<id>.nq``) fills."""
    return f"{GRAPHS}plan/{path.stem}"


class PlanFiles:
    """What a store has loaded of the plans kept beside the artefact, so that it can follow
    them: a plan kept or removed by any process (another web worker, the command line) is
    seen by the next query of every store that asks :meth:`changes` before it answers.

    A keep or a removal renames a file into or out of ``plans/``, which changes the folder's
    modification time; one ``stat`` of the folder tells whether anything needs reading."""

    def __init__(self, artefact: Path, enabled: bool = True):
        self.folder = artefact.parent / "plans"
        self.artefact = artefact
        self.enabled = enabled
        self.marker = self._marker()
        self.loaded: dict[Path, tuple[int, int]] = self._state() if enabled else {}

    def _marker(self) -> int | None:
        try:
            return self.folder.stat().st_mtime_ns
        except OSError:
            return None

    def _state(self) -> dict[Path, tuple[int, int]]:
        state = {}
        for path in plan_files_beside(self.artefact):
            try:
                info = path.stat()
            except OSError:  # removed between the listing and the stat
                continue
            state[path] = (info.st_size, info.st_mtime_ns)
        return state

    def changes(self) -> tuple[list[Path], list[Path]] | None:
        """The plan files gone or replaced (to drop) and new or replaced (to load) since the last
        call; None when nothing changed."""
        if not self.enabled:
            return None
        marker = self._marker()
        if marker == self.marker:
            return None
        self.marker = marker  # taken before the listing, so a change during it is seen next time
        state = self._state()
        dropped = [p for p, stamp in self.loaded.items() if state.get(p) != stamp]
        added = [p for p, stamp in state.items() if self.loaded.get(p) != stamp]
        self.loaded = state
        return (dropped, added) if dropped or added else None


@dataclass
class QueryResult:
    """The answer to one query, independent of the engine that produced it."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


class Store(Protocol):
    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        """Answer *sparql*, with *bindings* pre-bound to the named variables."""

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        """Whether the triple was entailed at build time rather than stated in the data."""

    def refresh(self) -> bool:
        """Follow the plans kept or removed since the store was opened (by this process or any
        other); whether anything changed. A store shared by every process (a SPARQL server)
        has nothing to follow."""

    def __len__(self) -> int: ...


class RdflibStore:
    """The built graph held in memory by rdflib; queries see the union of its named graphs."""

    def __init__(self, artefact: Path, plans: bool = True):
        if not artefact.is_file():
            raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
        self.artefact = artefact
        self.dataset = Dataset(default_union=True)
        self.plans = PlanFiles(artefact, plans)
        for path in [artefact, *self.plans.loaded]:
            self._parse(path)
        bind_prefixes(self.dataset)
        self._inferred = self.dataset.graph(URIRef(INFERRED_GRAPH))
        # rdflib's SPARQL parser is not thread-safe (concurrent parses fail inside pyparsing),
        # and the web server answers requests on several threads: one query at a time.
        self._lock = threading.Lock()

    def _parse(self, path: Path) -> None:
        try:
            with path.open("rb") as source:
                self.dataset.parse(source, format="nquads")
        except Exception as exc:  # rdflib raises several unrelated types on a corrupt file
            raise StoreError(f"cannot read the built graph {path}: {exc}") from None

    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        with self._lock:
            return self._query(sparql, bindings)

    def refresh(self) -> bool:
        with self._lock:
            changes = self.plans.changes()
            if changes is None:
                return False
            dropped, added = changes
            for path in dropped:
                self.dataset.remove_graph(URIRef(plan_graph_of(path)))
            for path in added:
                if path.is_file():
                    self._parse(path)
            return True

    def _query(self, sparql: str, bindings: Mapping[str, Identifier] | None) -> QueryResult:
        result = self.dataset.query(sparql, initBindings=dict(bindings or {}))
        if result.type == "ASK":
            return QueryResult("ask", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult("graph", graph=result.graph)
        bound = set(bindings or {})
        variables = [str(v) for v in result.vars or [] if str(v) not in bound]
        rows = [{name: row[name] for name in variables if row[name] is not None} for row in result]
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return (subject, predicate, obj) in self._inferred

    def __len__(self) -> int:
        return len(self.dataset)


def to_rdflib(term) -> Node:
    """An Oxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Identifier):
    """An rdflib term as the equal Oxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unsupported term {term!r}")


def inline_bindings(sparql: str, bindings: Mapping[str, Identifier] | None) -> str:
    """*sparql* with *bindings* as a one-row VALUES block at the head of its WHERE clause (Oxigraph plans
    a query with its parameters in VALUES far better than with pre-bound substitutions: a lookup
    of the kinds of one body takes 0.13 ms instead of 3.4 ms)."""
    if not bindings:
        return sparql
    # WHERE is optional before the group of an ASK or a SELECT ("ASK { ?s ?p ?o }").
    match = (re.search(r"\bWHERE\s*\{", sparql, re.IGNORECASE)
             or re.search(r"\b(?:ASK|SELECT)\b[^{]*\{", sparql, re.IGNORECASE))
    if match is None:
        raise StoreError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(term.n3() for term in bindings.values())
    return f"{sparql[:match.end()]}\n  VALUES ({names}) {{ ({row}) }}{sparql[match.end():]}"


class OxigraphStore:
    """The built graph loaded into an in-memory Oxigraph store; queries see the union of
    its named graphs."""

    def __init__(self, artefact: Path, plans: bool = True):
        if not artefact.is_file():
            raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
        self.artefact = artefact
        self.store = ox.Store()
        self.plans = PlanFiles(artefact, plans)
        self._lock = threading.Lock()
        for path in [artefact, *self.plans.loaded]:
            self._load(path)
        self._inferred = ox.NamedNode(str(INFERRED_GRAPH))

    def _load(self, path: Path) -> None:
        try:
            # a plain load: quicker into memory than the bulk loader, from 40 thousand quads
            # (0.10 s against 0.12 s) to 4 million in 445 plan files (19 s against 23 s)
            self.store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError, ValueError) as exc:
            raise StoreError(f"cannot read the built graph {path}: {exc}") from None

    def refresh(self) -> bool:
        with self._lock:
            changes = self.plans.changes()
            if changes is None:
                return False
            dropped, added = changes
            for path in dropped:
                self.store.remove_graph(ox.NamedNode(plan_graph_of(path)))
            for path in added:
                if path.is_file():
                    self._load(path)
            return True

    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        result = self.store.query(inline_bindings(sparql, bindings), use_default_graph_as_union=True)
        if isinstance(result, (bool, ox.QueryBoolean)):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            graph = Graph()
            for triple in result:
                graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
            return QueryResult("graph", graph=graph)
        variables = [v.value for v in result.variables if v.value not in (bindings or {})]
        rows = []
        for solution in result:
            row = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        pattern = (to_oxigraph(subject), to_oxigraph(predicate), to_oxigraph(obj), self._inferred)
        return next(iter(self.store.quads_for_pattern(*pattern)), None) is not None

    def __len__(self) -> int:
        return len(self.store)


DISK_STORE_SUFFIX = ".oxigraph"


def disk_store_location(artefact: Path) -> Path:
    """Where the on-disk store of *artefact* is kept: ``policy-graph.oxigraph/`` beside it."""
    return artefact.with_suffix(DISK_STORE_SUFFIX)


def wants_disk_store(artefact: Path) -> bool:
    """Whether a build or a plan load should bring the on-disk store up to date: the service is
    set to use it (``POLICY_GRAPH_STORE=oxigraph-disk``) or it has been made before."""
    return os.environ.get("POLICY_GRAPH_STORE") == "oxigraph-disk" or disk_store_location(artefact).is_dir()


def _stamp(sources: list[Path]) -> str:
    return json.dumps([[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sources])


def prepare_disk_store(artefact: Path, plans: bool = True) -> Path:
    """Bring the on-disk store of *artefact* (and the plans beside it) up to date, rebuilding it
    if the artefact or any plan file changed (by size and modification time) since it was made.
    A build and the bench call this, so that a server on ``oxigraph-disk`` only opens the
    store; a server that finds it stale (a plan loaded since) rebuilds it before serving.

    Several processes starting together build it once: under a lock, into a temporary folder
    renamed into place. Returns the store's folder."""
    if not artefact.is_file():
        raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
    sources = [artefact, *(plan_files_beside(artefact) if plans else [])]
    location = disk_store_location(artefact)
    stamp = _stamp(sources)
    manifest = location / "SOURCES.json"
    if not (manifest.is_file() and manifest.read_text(encoding="utf-8") == stamp):
        with open(location.with_name(f".{location.name}.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (manifest.is_file() and manifest.read_text(encoding="utf-8") == stamp):
                _rebuild_disk_store(location, sources, stamp)
    return location


def disk_store_stamp(artefact: Path) -> str | None:
    """What the on-disk store of *artefact* must have been made from to be up to date now (the
    artefact's and the plans' files by size and modification time); None when there is no
    on-disk store. A plan load takes this before it writes, for :func:`refresh_disk_store`."""
    if not disk_store_location(artefact).is_dir() or not artefact.is_file():
        return None
    return _stamp([artefact, *plan_files_beside(artefact)])


def refresh_disk_store(artefact: Path, graph: str, plan_file: Path, before: str | None) -> Path | None:
    """After *plan_file* (the file of the plan in named graph *graph*, beside *artefact*) was
    written or removed, bring the on-disk store (if there is one) up to date, so that the next
    server start only opens it.

    When the store was up to date before the change (its sources were *before*, from
    :func:`disk_store_stamp`), only the plan's named graph *graph* is replaced: dropped, then
    loaded again from the plan's file if it still exists, in the time of the plan's size rather
    than the whole graph's. Otherwise the store is rebuilt whole (:func:`prepare_disk_store`).
    The store is marked stale while it changes, so an interrupted refresh is redone whole by
    the next open. Returns the store's folder, or None when there is no on-disk store."""
    location = disk_store_location(artefact)
    if before is None or not location.is_dir():
        return None
    manifest = location / "SOURCES.json"
    stamp = _stamp([artefact, *plan_files_beside(artefact)])
    with open(location.with_name(f".{location.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (manifest.is_file() and manifest.read_text(encoding="utf-8") == before):
            _rebuild_disk_store(location, [artefact, *plan_files_beside(artefact)], stamp)
            return location
        manifest.unlink()
        try:
            store = ox.Store(str(location))
            store.update(f"DROP SILENT GRAPH <{graph}>")
            if plan_file.is_file():
                store.load(path=str(plan_file), format=ox.RdfFormat.N_QUADS)
            store.flush()
            del store
        except (SyntaxError, OSError, ValueError) as exc:
            done = "kept" if plan_file.is_file() else "removed"
            raise StoreError(f"{plan_file.name} is {done}, but the on-disk store {location} cannot be brought up "
                             f"to date: {exc}; it will be rebuilt whole when the service next opens it") from None
        manifest.write_text(stamp, encoding="utf-8")
    return location


def _rebuild_disk_store(location: Path, sources: list[Path], stamp: str) -> None:
    temporary = location.with_name(f".{location.name}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        store = ox.Store(str(temporary))
        for path in sources:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        store.flush()
        del store
        (temporary / "SOURCES.json").write_text(stamp, encoding="utf-8")
        shutil.rmtree(location, ignore_errors=True)
        os.replace(temporary, location)
    except (SyntaxError, OSError, ValueError) as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise StoreError(f"cannot build the on-disk store {location} from {', '.join(map(str, sources))}: "
                         f"{exc}") from None


class OxigraphDiskStore(OxigraphStore):
    """The built graph and the plans beside it in an on-disk Oxigraph store
    (``policy-graph.oxigraph/`` next to the artefact), opened read-only: it starts in
    milliseconds and its memory stays small whatever the graph's size, since the data stays
    on disk. The folder is derived (see :func:`prepare_disk_store`)."""

    def __init__(self, artefact: Path, plans: bool = True):
        self.artefact = artefact
        self._inferred = ox.NamedNode(str(INFERRED_GRAPH))
        self._lock = threading.Lock()
        self.plans = PlanFiles(artefact, plans)
        self._open()

    def _open(self) -> None:
        self.location = prepare_disk_store(self.artefact, self.plans.enabled)
        try:
            self.store = ox.Store.read_only(str(self.location))
        except OSError as exc:
            raise StoreError(f"cannot open the on-disk store {self.location}: {exc}") from None

    def refresh(self) -> bool:
        # a read-only store sees the files as they were when it was opened: the one that kept
        # the plan brought the store on disk up to date (or it is rebuilt here), and it is
        # opened again
        with self._lock:
            if self.plans.changes() is None:
                return False
            self._open()
            return True


STORES = {"oxigraph": OxigraphStore, "oxigraph-disk": OxigraphDiskStore, "rdflib": RdflibStore}
DEFAULT_STORE = "oxigraph"


def open_store(artefact: Path | None = None, kind: str | None = None, server: str | None = None,
               store_url: str | None = None) -> Store:
    """Open the graph: the built artefact (by default ``build/policy-graph.nq`` of this
    checkout) with the organisations' plans loaded beside it, in the embedded store *kind*
    (default: ``POLICY_GRAPH_STORE``, else Oxigraph), or, for kind ``sparql``, the SPARQL
    server at *server* (``POLICY_GRAPH_SPARQL_URL``) that ``policy-graph push`` loaded, written
    to (a kept plan) at its Graph Store Protocol address *store_url*
    (``POLICY_GRAPH_SPARQL_STORE_URL``)."""
    kind = kind or os.environ.get("POLICY_GRAPH_STORE") or DEFAULT_STORE
    if kind == "sparql":
        from graph.store.remote import SparqlServerStore

        server = server or os.environ.get("POLICY_GRAPH_SPARQL_URL")
        if not server:
            raise StoreError("the 'sparql' store needs the server's query address (POLICY_GRAPH_SPARQL_URL)")
        return SparqlServerStore(server, store_url or os.environ.get("POLICY_GRAPH_SPARQL_STORE_URL"))
    if kind not in STORES:
        raise StoreError(f"unknown store '{kind}'; choose one of {', '.join([*STORES, 'sparql'])}")
    return STORES[kind](artefact or default_layout().build_dir / ARTEFACT_NAME)
