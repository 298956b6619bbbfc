"""The built graph and the plans beside it in an on-disk Oxigraph store, opened read-only by
every process that serves it: it starts in milliseconds and its memory stays small whatever the
graph's size.

The store's folder (``policy-graph.oxigraph/`` beside the artefact) holds versions (``v000001/``,
...) and a file ``current`` naming the one to open. A version is never changed once published:
a read-only reader of a store that another process writes to can find its files gone and fail
(RocksDB's data files are replaced as it works). So a plan kept or removed makes a new version:
a copy of the current one whose data files are hard links (they never change once written, so
the copy costs no data), into which only the plan's named graph is loaded; then ``current`` is
pointed at it, in one rename. Readers open the new version at their next question; the version
before stays for a reader still answering from it, and older ones are removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from graph.errors import StoreError
from graph.namespaces import INFERRED_GRAPH
from graph.store.base import PlanFiles, load_plan, plan_files_beside
from graph.store.integrity import verify_artefact
from graph.store.oxigraph_store import OxigraphStore

DISK_STORE_SUFFIX = ".oxigraph"
#: The file, in the store's folder, that names the version to open.
CURRENT = "current"
#: The file, in a version, that records what it was made from.
MANIFEST = "SOURCES.json"
_VERSION = re.compile(r"^v(\d{6})$")


def disk_store_location(artefact: Path) -> Path:
    """Where the on-disk store of *artefact* is kept: ``policy-graph.oxigraph/`` beside it."""
    return artefact.with_suffix(DISK_STORE_SUFFIX)


def wants_disk_store(artefact: Path) -> bool:
    """Whether a build or a plan load should bring the on-disk store up to date: the service is
    set to use it (``POLICY_GRAPH_STORE=oxigraph-disk``) or it has been made before."""
    return os.environ.get("POLICY_GRAPH_STORE") == "oxigraph-disk" or disk_store_location(artefact).is_dir()


def current_version(artefact: Path) -> Path | None:
    """The version of the on-disk store that readers open now; None when there is none."""
    location = disk_store_location(artefact)
    try:
        name = (location / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    version = location / name
    return version if _VERSION.match(name) and version.is_dir() else None


def _stamp(sources: list[Path]) -> str:
    return json.dumps([[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sources])


def _made_from(version: Path | None) -> str | None:
    try:
        return (version / MANIFEST).read_text(encoding="utf-8") if version else None
    except OSError:
        return None


def disk_store_stamp(artefact: Path) -> str | None:
    """What the on-disk store of *artefact* must have been made from to be up to date now (the
    artefact's and the plans' files by size and modification time); None when there is no
    on-disk store. A plan load takes this before it writes, for :func:`refresh_disk_store`."""
    if current_version(artefact) is None or not artefact.is_file():
        return None
    return _stamp([artefact, *plan_files_beside(artefact)])


@contextmanager
def _locked(location: Path) -> Iterator[None]:
    """One process at a time makes a version (several servers starting together build it once)."""
    with open(location.with_name(f".{location.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def prepare_disk_store(artefact: Path, plans: bool = True) -> Path:
    """The current version of the on-disk store of *artefact* (and the plans beside it), made
    anew when the artefact or any plan file changed (by size and modification time) since it was
    made. A build and the bench call this, so that a server on ``oxigraph-disk`` only opens it.

    The artefact is checked against its build report first (:func:`verify_artefact`), and the
    store is made from the file checked."""
    sources = [verify_artefact(artefact), *(plan_files_beside(artefact) if plans else [])]
    stamp = _stamp(sources)
    version = current_version(artefact)
    if _made_from(version) == stamp:
        return version
    location = disk_store_location(artefact)
    location.parent.mkdir(parents=True, exist_ok=True)
    with _locked(location):
        version = current_version(artefact)
        if _made_from(version) == stamp:
            return version
        return _build(location, sources, stamp)


def prepare_disk_store_apart(artefact: Path, plans: bool = True) -> Path:
    """:func:`prepare_disk_store` in a process of its own: the engine starts background threads
    that a forked process does not inherit, so a process that forks workers (a server) must not
    open a store itself, or a worker's first write waits for those threads for ever."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as apart:
        return apart.submit(prepare_disk_store, artefact, plans).result()


def refresh_disk_store(artefact: Path, graph: str, plan_file: Path, before: str | None) -> Path | None:
    """After *plan_file* (the file of the plan in named graph *graph*, beside *artefact*) was
    written or removed, publish a version of the on-disk store (if there is one) that holds it,
    so that every reader sees it at its next question and a server start only opens it.

    When the current version was up to date before the change (made from *before*, from
    :func:`disk_store_stamp`), the new version is a copy of it in which only the plan's named
    graph is replaced, in the time of the plan's size rather than the whole graph's; otherwise it
    is made whole. Returns the new version's folder, or None when there is no on-disk store."""
    location = disk_store_location(artefact)
    if before is None or not location.is_dir():
        return None
    sources = [verify_artefact(artefact), *plan_files_beside(artefact)]
    stamp = _stamp(sources)
    with _locked(location):
        version = current_version(artefact)
        if version is None or _made_from(version) != before:
            return _build(location, sources, stamp)
        target = _next(location)
        temporary = location / f".{target.name}.tmp"
        try:
            _link_copy(version, temporary)
            store = ox.Store(str(temporary))
            named = ox.NamedNode(graph)
            if store.contains_named_graph(named):
                store.remove_graph(named)
            if plan_file.is_file():
                store.load(path=str(plan_file), format=ox.RdfFormat.N_QUADS)
            store.flush()
            del store  # closed before it is moved and opened by readers
            _seal(temporary, stamp, target)
        except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            done = "kept" if plan_file.is_file() else "removed"
            raise StoreError(f"{plan_file.name} is {done}, but the on-disk store {location} cannot be brought up "
                             f"to date: {exc}; it will be made anew when the service next opens it") from None
        _publish(location, target)
    return target


def _link_copy(source: Path, target: Path) -> None:
    """A copy of the store *source* in which the data files (``*.sst``, never changed once
    written) are hard links and the rest (its manifest, log and options) real copies."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for path in source.iterdir():
        if path.name == MANIFEST or not path.is_file():
            continue
        if path.suffix == ".sst":
            os.link(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)


def _next(location: Path) -> Path:
    numbers = [int(m.group(1)) for p in location.iterdir() if (m := _VERSION.match(p.name))]
    return location / f"v{max(numbers, default=0) + 1:06d}"


def _build(location: Path, sources: list[Path], stamp: str) -> Path:
    """Make a whole version from *sources* and publish it (the caller holds the lock)."""
    if location.is_dir() and not (location / CURRENT).is_file():
        shutil.rmtree(location)  # a store of an earlier layout, or one never finished
    location.mkdir(parents=True, exist_ok=True)
    target = _next(location)
    temporary = location / f".{target.name}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        store = ox.Store(str(temporary))
        store.bulk_load(path=str(sources[0]), format=ox.RdfFormat.N_QUADS)
        plans = [path for path in sources[1:] if load_plan(path, lambda p, s=store: _bulk_load(s, p),
                                                           lambda graph, s=store: s.remove_graph(ox.NamedNode(graph)))]
        if len(plans) < len(sources) - 1:
            stamp = _stamp([sources[0], *plans])  # made without the plans set aside
        store.optimize()
        store.flush()
        del store  # closed before it is moved and opened by readers
        _seal(temporary, stamp, target)
    except (SyntaxError, OSError, ValueError, RuntimeError) as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        if not (location / CURRENT).is_file():
            shutil.rmtree(location, ignore_errors=True)  # nothing half-made is left to be opened later
        raise StoreError(f"cannot build the on-disk store {location} from {', '.join(map(str, sources))}: "
                         f"{exc}") from None
    _publish(location, target)
    return target


def _bulk_load(store: ox.Store, path: Path) -> None:
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError) as exc:
        raise StoreError(str(exc)) from None


def _seal(temporary: Path, stamp: str, target: Path) -> None:
    """Record what the closed store in *temporary* was made from, and move it to its version's name."""
    (temporary / MANIFEST).write_text(stamp, encoding="utf-8")
    os.replace(temporary, target)


def _publish(location: Path, version: Path) -> None:
    """Point readers at *version* in one rename; keep the version before it (a reader may still be
    answering from it) and remove the older ones, and anything half-made."""
    pointer = location / f".{CURRENT}.tmp"
    with open(pointer, "w", encoding="utf-8") as out:
        out.write(version.name)
        out.flush()
        os.fsync(out.fileno())
    os.replace(pointer, location / CURRENT)
    versions = sorted(p for p in location.iterdir() if _VERSION.match(p.name))
    for old in versions[:-2]:
        shutil.rmtree(old, ignore_errors=True)
    for half in location.glob(".v*.tmp"):
        shutil.rmtree(half, ignore_errors=True)


class OxigraphDiskStore(OxigraphStore):
    """The current version of the on-disk store, opened read-only; a plan kept or removed by any
    process is seen at the next question, by opening the version that holds it."""

    in_memory = False

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
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot open the on-disk store {self.location}: {exc}") from None

    def refresh(self) -> bool:
        with self._lock:
            if self.plans.changes() is None:
                return False
            with self._changing():
                self._open()
            return True
