"""Plans kept beside the built graph: each in its own named graph, in a file of its own
(``build/plans/<id>.nq``, written whole and flushed to the disk before it takes its name) and,
over a SPARQL server, on the server too; and the commitments of the kept plans as the store
holds them.

Keeping a plan that must not replace another is one compare-and-set: the file is written under a
temporary name and then linked to its own name, which fails when that name is taken, so of two
processes keeping one id at once exactly one keeps it and the other is told it exists."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from graph.errors import PlanExistsError, Problem, StoreError
from graph.files import DiskError, disk_error, sweep, sync_folder, temporary_name, write_durably
from graph.namespaces import NWP, bind_prefixes, short
from graph.ntriples import TermError, nquads_lines
from graph.paths import ARTEFACT_NAME
from graph.queries import project_queries, run_named
from graph.rules.plan_graph import (
    PLANS_DIR,
    PlanInfo,
    check_plan_id,
    commitment_iri,
    item_iri,
    plan_graph_iri,
    plan_info,
    plan_iri,
)
from graph.rules.plans import PlanError
from graph.store import Store, disk_store_stamp, plan_files_beside, plan_graph_of, read_named_graph, refresh_disk_store
from graph.store.quarantine import log, set_aside


def plans_dir(build_dir: Path) -> Path:
    return build_dir / PLANS_DIR


def plan_path(build_dir: Path, plan_id: str) -> Path:
    return plans_dir(build_dir) / f"{check_plan_id(plan_id)}.nq"


def plan_files(build_dir: Path) -> list[Path]:
    """The loaded plans' files (a temporary file of a load under way is not one)."""
    return plan_files_beside(build_dir / ARTEFACT_NAME)


def save_plan(build_dir: Path, plan_id: str, graph: Graph, replace: bool = True) -> Path:
    """Keep *graph* as loaded plan *plan_id*, atomically: the N-Quads are written to a temporary
    file in the same folder, flushed to the disk, and given the plan's name in one step, so a
    reader sees the old plan or the new one, never part of one. With *replace* the plan replaces
    one of that id (the last writer's stays); without, it is kept only if no plan of that id is.

    :raise PlanExistsError: without *replace*, when a plan of that id is kept (or being kept
        by another process that got there first); DiskError when the file cannot be written."""
    target = plan_path(build_dir, plan_id)
    # sorted, so the same plan gives the same bytes; the writer refuses an IRI no reader accepts
    try:
        lines = sorted(nquads_lines(graph, str(plan_graph_iri(plan_id))))
    except TermError as exc:
        raise PlanError([Problem(str(exc))]) from None
    data = ("\n".join(lines) + "\n").encode("utf-8")
    _write_atomically(target, data, replace)
    return target


def _write_atomically(target: Path, data: bytes, replace: bool = True) -> None:
    folder, temporary = target.parent, temporary_name(target)
    if folder.exists() and not folder.is_dir():
        raise DiskError(f"cannot write {target}: {folder} is a file, where the kept plans' folder should be; "
                        "move it away")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sweep(folder)  # what a load killed while it wrote left behind
        write_durably(temporary, data)
        if replace:
            os.replace(temporary, target)
        else:
            try:
                # a link fails when the name is taken, where a rename would replace: the one step
                # in which a plan is kept only if none of that id is
                os.link(temporary, target)
            except FileExistsError:
                raise PlanExistsError(target.stem) from None
        sync_folder(folder)
    except OSError as exc:
        raise disk_error(exc, "write", target) from None
    finally:
        temporary.unlink(missing_ok=True)


def read_saved_plan(build_dir: Path, plan_id: str) -> Graph:
    """The graph of loaded plan *plan_id*.

    :raise PlanError: when no plan of that id is loaded; StoreError when its file is unreadable.
    """
    path = plan_path(build_dir, plan_id)
    if not path.is_file():
        known = ", ".join(p.stem for p in plan_files(build_dir)) or "none"
        raise PlanError([Problem(f"no loaded plan '{plan_id}' (loaded: {known})", field="id")])
    return _read_plan_file(path)


def _read_plan_file(path: Path) -> Graph:
    """The graph of the plan file *path*; one that cannot be parsed is set aside.

    :raise PlanError: when it was damaged, and has been set aside; StoreError, naming the file,
        when it cannot be read."""
    try:
        inode = path.stat().st_ino
        return bind_prefixes(read_named_graph(path, plan_graph_of(path)))
    except OSError as exc:
        raise disk_error(exc, "read", path) from None
    except StoreError as exc:
        aside = set_aside(path, str(exc), inode) if os.access(path, os.R_OK) else None
        if aside is None:
            raise StoreError(f"cannot read the loaded plan {path.name}: {exc}") from None
        # it is no longer kept: asked for, it is missing, with the reason and what to do
        raise PlanError([Problem(f"no loaded plan '{path.stem}': its file was damaged and has been set aside as "
                                 f"{aside}; load the plan again", field="id")]) from None


def list_plans(build_dir: Path) -> list[PlanInfo]:
    """Every loaded plan, by id; a plan whose file cannot be read is left out (a damaged one is
    set aside, with a warning)."""
    out = []
    for path in plan_files(build_dir):
        try:
            graph = _read_plan_file(path)
        except PlanError:
            continue  # warned of as it was set aside
        except StoreError as exc:
            log.warning("%s; it is left out", exc)
            continue
        info = plan_info(graph)
        info.path = path.name
        out.append(info)
    return out


def remove_plan(build_dir: Path, plan_id: str) -> Path:
    """Remove loaded plan *plan_id*; the policy graph is untouched.

    :raise PlanError: when no plan of that id is loaded.
    """
    path = plan_path(build_dir, plan_id)
    if not path.is_file():
        known = ", ".join(p.stem for p in plan_files(build_dir)) or "none"
        raise PlanError([Problem(f"no loaded plan '{plan_id}' (loaded: {known})", field="id")])
    try:
        path.unlink()
        sync_folder(path.parent)
    except OSError as exc:
        raise disk_error(exc, "remove", path) from None
    return path


def keep_plan(build_dir: Path, plan_id: str, graph: Graph, server: Store | None = None,
              replace: bool = True) -> Path:
    """Keep *graph* as loaded plan *plan_id* beside the built graph (:func:`save_plan`, which
    without *replace* keeps it only if no plan of that id is) and, with
    *server*, replace its named graph there by Graph Store Protocol PUT, so every worker over
    that server sees it. When the server refuses, the file is put back as it was, so the plan
    is kept in both places or in neither. An on-disk store beside the built graph is brought up
    to date too (:func:`graph.store.refresh_disk_store`), so a server on it starts at once.

    :raise PlanExistsError: without *replace*, when a plan of that id is kept;
        StoreError when the server has no Graph Store address or refuses the graph.
    """
    if server is not None and not server.store_url:
        raise StoreError("the plan cannot be put on the SPARQL server without its Graph Store Protocol address: "
                         "set POLICY_GRAPH_SPARQL_STORE_URL (the web app: SPARQL_STORE_URL); nothing was kept")
    path = plan_path(build_dir, plan_id)
    try:
        previous = path.read_bytes() if replace and path.is_file() else None
    except OSError as exc:
        raise disk_error(exc, "read", path) from None
    before = disk_store_stamp(build_dir / ARTEFACT_NAME)
    saved = save_plan(build_dir, plan_id, graph, replace)
    if server is not None:
        try:
            server.put_graph(str(plan_graph_iri(plan_id)), graph)
        except BaseException:
            if previous is None:
                saved.unlink(missing_ok=True)
            else:
                _write_atomically(saved, previous)
            raise
    refresh_disk_store(build_dir / ARTEFACT_NAME, str(plan_graph_iri(plan_id)), saved, before)
    return saved


def drop_plan(build_dir: Path, plan_id: str, server: Store | None = None) -> Path:
    """Remove loaded plan *plan_id* (:func:`remove_plan`), and with *server* drop its named graph
    there first (Graph Store Protocol DELETE): when the server refuses, the plan stays whole.
    An on-disk store beside the built graph is brought up to date too.

    :raise PlanError: when no plan of that id is loaded; StoreError when the server refuses.
    """
    path = plan_path(build_dir, plan_id)
    if server is not None and path.is_file():
        if not server.store_url:
            raise StoreError("the plan cannot be removed from the SPARQL server without its Graph Store Protocol "
                             "address: set POLICY_GRAPH_SPARQL_STORE_URL; nothing was removed")
        server.delete_graph(str(plan_graph_iri(plan_id)))
    before = disk_store_stamp(build_dir / ARTEFACT_NAME)
    removed = remove_plan(build_dir, plan_id)
    refresh_disk_store(build_dir / ARTEFACT_NAME, str(plan_graph_iri(plan_id)), removed, before)
    return removed


@dataclass
class LoadedCommitment:
    """A commitment of a loaded plan and one item it answers or justifies not adopting."""

    plan: str
    commitment: str
    text: str
    organisation: str
    item: str
    link: str  # "answers" or "justifies not adopting"
    justification: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def loaded_commitments(store: Store, items: set[str] | None = None,
                       limit: int | None = None, plans: set[str] | None = None) -> list[LoadedCommitment]:
    """The commitments of the plans loaded in *store* with the items they answer or justify
    not adopting, in order of plan and commitment; with *items* (ids), only those that answer
    one of them; with *limit*, only the first so many (a page; a national deployment's plans
    answer a popular item hundreds of times): the page is picked from the links alone (named
    query ``kept_answers``), and only its commitments are read in full (``kept_commitments``).
    With *plans* (ids), only the commitments of those plans (the ones a viewer may see)."""
    if (items is not None and not items) or (plans is not None and not plans):
        return []
    queries = project_queries()
    wanted = {} if items is None else {"items": [item_iri(i) for i in sorted(items)]}
    if plans is not None:
        wanted["plans"] = [plan_iri(p) for p in sorted(plans)]
    page: set[tuple[str, str]] | None = None
    if limit is not None:
        links = run_named(store, queries["kept_answers"], wanted).rows[:max(0, limit)]
        page = {(str(r["commitment"]), str(r["items"])) for r in links}
        if not page:
            return []
        wanted["commitments"] = sorted({URIRef(c) for c, _item in page})
    out = [LoadedCommitment(str(r["planId"]), str(r["id"]), str(r["text"]), short(str(r["org"])),
                            short(str(r["items"])),
                            "answers" if r["link"] == NWP.answers else "justifies not adopting",
                            str(r.get("justification", "")))
           for r in run_named(store, queries["kept_commitments"], wanted).rows
           if page is None or (str(r["commitments"]), str(r["items"])) in page]
    # in the order of their IRIs (plan, then commitment), as a page is picked
    return sorted(out, key=lambda c: (str(commitment_iri(c.plan, c.commitment)), c.item))


def commitment_count(store: Store, items: set[str], plans: set[str] | None = None) -> int:
    """How many (commitment, item) pairs of the loaded plans (with *plans*, of those) answer
    one of *items* (ids) or justify not adopting it: the length of :func:`loaded_commitments`."""
    if not items or (plans is not None and not plans):
        return 0
    wanted = {"items": [item_iri(i) for i in sorted(items)]}
    if plans is not None:
        wanted["plans"] = [plan_iri(p) for p in sorted(plans)]
    rows = run_named(store, project_queries()["commitment_count"], wanted).rows
    return int(rows[0]["count"]) if rows else 0


@dataclass
class PlanAccess:
    """Whose a kept plan is and whether it is published, as the store holds it."""

    id: str
    organisation: str
    published: bool


def plan_access(store: Store) -> list[PlanAccess]:
    """Every plan loaded in *store*, with its organisation and access rights (named query
    ``kept_plans``): cheap enough to ask on every request, unlike reading the plans' files."""
    from graph.access import PUBLIC

    return [PlanAccess(str(r["planId"]), short(str(r["org"])), str(r.get("access", "")) == PUBLIC)
            for r in run_named(store, project_queries()["kept_plans"], {}).rows]
