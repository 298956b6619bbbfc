"""What every store shares: the answer to a query, the interface a store implements, and how a
store follows the plans kept beside the built graph."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rdflib import Graph
from rdflib.term import Node

from graph.binding import Bound
from graph.namespaces import GRAPHS


def plan_files_beside(artefact: Path) -> list[Path]:
    """The organisations' plans loaded beside the built artefact (``plans/*.nq``), each in its
    own named graph; opening the artefact opens them too, so their commitments are queryable."""
    folder = artefact.parent / "plans"
    return sorted(folder.glob("*.nq")) if folder.is_dir() else []


def plan_graph_of(path: Path) -> str:
    """The named graph that the plan kept in *path* (``plans/<id>.nq``) fills."""
    return f"{GRAPHS}plan/{path.stem}"


#: How long after a change the plans folder's modification time is not trusted alone.
SETTLED_NS = 2_000_000_000


def store_query(name: str) -> str:
    """The text of one of the store's own queries (``queries/store/<name>.rq``)."""
    from graph.paths import default_layout

    return (default_layout().queries_dir / "store" / f"{name}.rq").read_text(encoding="utf-8")


def read_named_graph(path: Path, graph: str) -> Graph:
    """The named graph *graph* of the N-Quads file *path*, as an rdflib graph.

    :raise StoreError: when the file cannot be read."""
    from rdflib import Dataset, URIRef

    from graph.errors import StoreError

    dataset = Dataset()
    try:
        dataset.parse(path, format="nquads")
    except Exception as exc:  # rdflib raises several unrelated types on a corrupt file
        raise StoreError(str(exc)) from None
    out = Graph(identifier=URIRef(graph))
    for triple in dataset.graph(URIRef(graph)):
        out.add(triple)
    return out


def load_plan(path: Path, load: Callable[[Path], None], drop: Callable[[str], None]) -> bool:
    """*load* the kept plan file *path*; one that cannot be read is set aside (its named graph
    dropped) and the store goes on without it. Whether it was loaded."""
    from graph.store.quarantine import load_or_set_aside

    return load_or_set_aside(path, load, lambda: drop(plan_graph_of(path)))


class PlanFiles:
    """What a store has loaded of the plans kept beside the artefact, so that it can follow
    them: a plan kept or removed by any process (another web worker, the command line) is
    seen by the next query of every store that asks :meth:`changes` before it answers.

    A keep or a removal renames a file into or out of ``plans/``, which changes the folder's
    modification time; one ``stat`` of the folder tells whether anything needs reading."""

    def __init__(self, artefact: Path, enabled: bool = True):
        self.folder = artefact.parent / "plans"
        # stat'ed on every request the service answers: as a string, without pathlib's own work
        self._folder = os.fspath(self.folder)
        self.artefact = artefact
        self.enabled = enabled
        self.marker = self._marker()
        self.loaded: dict[Path, tuple[int, int]] = self._state() if enabled else {}

    def _marker(self) -> int | None:
        try:
            return os.stat(self._folder).st_mtime_ns
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

    def follow(self, drop: Callable[[str], None], load: Callable[[Path], None]) -> bool:
        """Apply the changes since the last call: *drop* the named graph of each plan gone or
        replaced, *load* the file of each plan new or replaced; whether anything changed."""
        changes = self.changes()
        if changes is None:
            return False
        dropped, added = changes
        for path in dropped:
            drop(plan_graph_of(path))
        for path in added:
            if path.is_file():
                load_plan(path, load, drop)
        return True

    def changes(self) -> tuple[list[Path], list[Path]] | None:
        """The plan files gone or replaced (to drop) and new or replaced (to load) since the last
        call; None when nothing changed."""
        if not self.enabled:
            return None
        marker = self._marker()
        # a file system stamps times by its clock's tick, so two changes within one tick can
        # leave the folder's time as it was: a time that recent is not trusted, and listed
        if marker == self.marker and (marker is None or time.time_ns() - marker > SETTLED_NS):
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
    def query(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> QueryResult:
        """Answer *sparql*, with *bindings* pre-bound to the named variables."""

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        """Whether the triple was entailed at build time rather than stated in the data."""

    #: Whether the engine answers one query at a time (rdflib), so that work in the background
    #: would hold up every request.
    serial: bool

    def refresh(self) -> bool:
        """Follow the plans kept or removed since the store was opened (by this process or any
        other); whether anything changed. A store shared by every process (a SPARQL server)
        has nothing to follow."""

    def __len__(self) -> int: ...


