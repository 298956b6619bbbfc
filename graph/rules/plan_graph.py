"""An organisation's plan as a named graph: built from its commitments (and its trajectory's
planned figures), validated on its own, and kept beside the built policy graph.

A loaded plan lives in ``build/plans/<plan-id>.nq``: N-Quads whose every quad is in the plan's
named graph ``…/graph/plan/<plan-id>``. Opening the built artefact also opens the plans next to
it (:func:`graph.store.open_store`), so their commitments show in the browser, in
traces and in impact. The policy graph itself is never written: a plan is only ever added or
removed as a file of its own, and it is written to a temporary file first and renamed into
place, so a failed or interrupted load leaves nothing behind.

Validation uses the SHACL shapes of ``ontology/plan-shapes.ttl`` over the plan graph plus only
the few policy facts it needs (the types of the items, bodies and metrics it names, fetched
from the store), so its cost is the size of the plan, not of the policy graph.

Longer than 400 lines because a plan's graph is written and read back by the same vocabulary:
its IRIs, its building, its reading and its validation change together.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from pathlib import Path
from urllib.parse import quote, unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from graph.access import NON_PUBLIC, PUBLIC
from graph.errors import InputFileError, Problem, StoreError
from graph.namespaces import GRAPHS, ID, NWP, PREFIXES, bind_prefixes, short
from graph.paths import default_layout
from graph.queries import project_queries, run_named
from graph.rules.plans import Commitment, PlanError
from graph.rules.shape_checks import check_shapes
from graph.rules.targets import Figure, parse_period
from graph.store import Store

PLANS_DIR = "plans"
PLAN_SHAPES = "plan-shapes.ttl"
_PLAN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: The fields of a commitment each reference property stands for, so a problem names the
#: column of the file the person wrote.
_FIELDS = {NWP.answers: "references", NWP.justifiesNotAdopting: "references", NWP.tracksMetric: "metrics",
           PROV.wasAttributedTo: "organisation", DCTERMS.creator: "organisation"}


def check_plan_id(plan_id: str) -> str:
    """*plan_id* if it can name a plan (a file name and an IRI segment).

    :raise PlanError: when it cannot.
    """
    if not _PLAN_ID.match(plan_id or ""):
        raise PlanError([Problem(f"'{plan_id}' cannot name a plan: use up to 100 letters, digits, '.', '_' "
                                 f"or '-', starting with a letter or digit", field="id")])
    return plan_id


def plan_graph_iri(plan_id: str) -> URIRef:
    """The named graph that holds plan *plan_id*."""
    return URIRef(f"{GRAPHS}plan/{check_plan_id(plan_id)}")


def plan_iri(plan_id: str) -> URIRef:
    """The plan itself, as a node."""
    return URIRef(f"{ID}plan/{check_plan_id(plan_id)}")


def commitment_iri(plan_id: str, commitment_id: str) -> URIRef:
    return URIRef(f"{plan_iri(plan_id)}/commitment/{quote(commitment_id, safe='')}")


def figure_iri(plan_id: str, metric: str, period: str) -> URIRef:
    return URIRef(f"{plan_iri(plan_id)}/figure/{quote(metric, safe='')}/{quote(period.replace(' ', '-'), safe='')}")


def item_iri(reference: str) -> URIRef:
    """A reference as written in a plan (an id, a CURIE or an IRI) as the item's IRI."""
    if "://" in reference:
        return URIRef(reference)
    prefix, colon, local = reference.partition(":")
    if colon and prefix in PREFIXES and prefix != "id":
        return URIRef(str(PREFIXES[prefix]) + local)
    return URIRef(str(ID) + reference)


def plan_to_graph(plan_id: str, organisation: str, commitments: list[Commitment],
                  figures: list[Figure] | None = None, title: str = "", *, source: str = "",
                  created: dt.datetime | None = None, published: bool = False) -> Graph:
    """The plan as an rdflib graph whose identifier is its named graph.

    A commitment with a justification justifies not adopting the items it references
    (``nwp:justifiesNotAdopting`` with ``nwp:justification``); any other commitment answers
    them (``nwp:answers``). *source* is the name of the file it was read from. The plan is
    its organisation's alone unless *published* (``dcterms:accessRights``).
    """
    with _collector_paused():
        graph = _plan_graph(plan_id, organisation, commitments, figures, title, source, created)
    set_published(graph, published)
    return graph


def set_published(graph: Graph, published: bool) -> Graph:
    """*graph*, a plan's, made public or its organisation's alone."""
    plan = _plan_node(graph)
    graph.set((plan, DCTERMS.accessRights, URIRef(PUBLIC if published else NON_PUBLIC)))
    return graph


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a plan's graph is built: the graph is
    tens of thousands of small dicts and sets, none in a cycle, and the collections their
    making sets off (each one walking every object the process holds) took nearly half the
    time of building it. It runs again afterwards, as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan_graph(plan_id: str, organisation: str, commitments: list[Commitment], figures: list[Figure] | None,
                title: str, source: str, created: dt.datetime | None) -> Graph:
    graph = bind_prefixes(Graph(identifier=plan_graph_iri(plan_id)))
    # straight to the store: Graph.add's checks cost a fifth of the time at 10,000 triples, and
    # every term here is made below as an rdflib term
    store_add = graph.store.add

    def add(s, p, o) -> None:
        store_add((s, p, o), graph)

    plan = plan_iri(plan_id)
    items: dict[str, URIRef] = {}  # a plan names the same items, bodies and metrics many times

    def item(reference: str) -> URIRef:
        iri = items.get(reference)
        if iri is None:
            iri = items[reference] = item_iri(reference)
        return iri

    body = item(organisation)
    add(plan, RDF.type, NWP.OrganisationPlan)
    add(plan, DCTERMS.identifier, Literal(plan_id))
    add(plan, DCTERMS.title, Literal(title or f"Plan {plan_id}", lang="en"))
    add(plan, DCTERMS.creator, body)
    add(plan, PROV.wasAttributedTo, body)
    stamp = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    add(plan, DCTERMS.created, Literal(stamp.isoformat(), datatype=XSD.dateTime))
    if source:
        add(plan, NWP.fileName, Literal(source))
    commitments_base = f"{plan}/commitment/"
    for order, c in enumerate(commitments, start=1):
        node = URIRef(commitments_base + quote(c.id, safe=""))  # commitment_iri, the plan id checked once
        add(node, RDF.type, NWP.Commitment)
        add(node, DCTERMS.identifier, Literal(c.id))
        add(node, DCTERMS.description, Literal(c.text, lang="en"))
        add(node, DCTERMS.isPartOf, plan)
        add(node, PROV.wasAttributedTo, item(c.organisation))
        add(node, NWP.order, Literal(order))
        link = NWP.justifiesNotAdopting if c.justification else NWP.answers
        for ref in c.references:
            add(node, link, item(ref))
        if c.justification:
            add(node, NWP.justification, Literal(c.justification))
        if c.due:
            try:
                add(node, NWP.dueBy, Literal(dt.date.fromisoformat(c.due)))
            except ValueError:  # a due date as worded ("Q4 2026/27") is kept as worded
                add(node, NWP.dateText, Literal(c.due))
        for metric in c.metrics:
            add(node, NWP.tracksMetric, item(metric))
        if c.line is not None:
            add(node, NWP.sourceLine, Literal(c.line))
    figures_base = f"{plan}/figure/"
    periods: dict[str, Literal] = {}
    for f in figures or []:
        node = URIRef(f"{figures_base}{quote(f.metric, safe='')}/{quote(f.period.text.replace(' ', '-'), safe='')}")
        add(plan, NWP.hasPlannedFigure, node)
        add(node, RDF.type, NWP.PlannedFigure)
        add(node, DCTERMS.isPartOf, plan)
        add(node, NWP.tracksMetric, item(f.metric))
        period = periods.get(f.period.text)
        if period is None:
            period = periods[f.period.text] = Literal(f.period.text)
        add(node, NWP.period, period)
        add(node, RDF.value, Literal(f.value, datatype=XSD.decimal))
        if f.baseline is not None:
            add(node, NWP.baselineValue, Literal(f.baseline, datatype=XSD.decimal))
        add(node, NWP.sourceLine, Literal(f.line))
    return graph


# --- reading a plan graph back ------------------------------------------------------------------


@dataclass
class PlanInfo:
    """What a listing shows of a loaded plan."""

    id: str
    title: str
    organisation: str
    created: str
    source: str
    commitments: int
    figures: int
    path: str = ""
    published: bool = False

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _plan_node(graph: Graph) -> URIRef:
    plans = sorted(graph.subjects(RDF.type, NWP.OrganisationPlan))
    if len(plans) != 1:
        raise StoreError(f"the plan graph {graph.identifier} holds {len(plans)} plans, not one")
    return plans[0]  # type: ignore[return-value]


def _text(graph: Graph, node, predicate) -> str:
    value = graph.value(node, predicate)
    return "" if value is None else str(value)


def plan_info(graph: Graph) -> PlanInfo:
    plan = _plan_node(graph)
    return PlanInfo(_text(graph, plan, DCTERMS.identifier), _text(graph, plan, DCTERMS.title),
                    short(_text(graph, plan, DCTERMS.creator)), _text(graph, plan, DCTERMS.created),
                    _text(graph, plan, NWP.fileName), len(set(graph.subjects(RDF.type, NWP.Commitment))),
                    len(set(graph.subjects(RDF.type, NWP.PlannedFigure))),
                    published=graph.value(plan, DCTERMS.accessRights) == URIRef(PUBLIC))


def _reference(iri) -> str:
    return short(str(iri))


def commitments_from_graph(graph: Graph) -> list[Commitment]:
    """The commitments of a plan graph, in the plan's order, as :func:`read_plan` gives them."""
    info = plan_info(graph)
    out = []
    for node in graph.subjects(RDF.type, NWP.Commitment):
        line = graph.value(node, NWP.sourceLine)
        due = graph.value(node, NWP.dueBy) or graph.value(node, NWP.dateText)
        references = sorted(_reference(o) for p in (NWP.answers, NWP.justifiesNotAdopting)
                            for o in graph.objects(node, p))
        commitment = Commitment(_text(graph, node, DCTERMS.identifier), _text(graph, node, DCTERMS.description),
                                _reference(graph.value(node, PROV.wasAttributedTo)), references,
                                _text(graph, node, NWP.justification), "" if due is None else str(due),
                                sorted(_reference(o) for o in graph.objects(node, NWP.tracksMetric)),
                                info.source or f"plan {info.id}", None if line is None else int(line))
        out.append((int(graph.value(node, NWP.order) or 0), commitment.id, commitment))
    return [c for _o, _i, c in sorted(out, key=lambda t: (t[0], t[1]))]


def figures_from_graph(graph: Graph) -> list[Figure]:
    """The planned figures of a plan graph, as :func:`read_trajectory` gives them."""
    out = []
    for node in graph.subjects(RDF.type, NWP.PlannedFigure):
        baseline = graph.value(node, NWP.baselineValue)
        out.append(Figure(int(graph.value(node, NWP.sourceLine) or 0),
                          _reference(graph.value(node, NWP.tracksMetric)),
                          parse_period(_text(graph, node, NWP.period)),
                          Decimal(str(graph.value(node, RDF.value))),
                          None if baseline is None else Decimal(str(baseline))))
    return sorted(out, key=lambda f: (f.line, f.metric, f.period.text))


# --- validation ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _shapes(path: Path, mtime: float) -> Graph:
    shapes = Graph()
    try:
        shapes.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types on bad Turtle
        raise StoreError(f"cannot read the plan shapes {path}: {exc}") from None
    return shapes


def plan_shapes(path: Path | None = None) -> Graph:
    """The SHACL shapes a plan must conform to."""
    path = path or default_layout().ontology_dir / PLAN_SHAPES
    if not path.is_file():
        raise StoreError(f"no plan shapes at {path}")
    return _shapes(path, path.stat().st_mtime)


def _types(store: Store, nodes: set[URIRef]) -> dict[URIRef, set[URIRef]]:
    """The types (stated and inferred) the policy graph gives each of *nodes*; a node the
    graph does not know gets none. One query for all of them (named query ``node_types``)."""
    if not nodes:
        return {}
    found: dict[URIRef, set[URIRef]] = {}
    for row in run_named(store, project_queries()["node_types"], {"nodes": sorted(nodes)}).rows:
        found.setdefault(row["nodes"], set()).add(row["type"])  # type: ignore[arg-type]
    return found


def _locate(graph: Graph, node, source: str) -> tuple[str | None, int | None, str | None]:
    """The file, line and id of a commitment or figure, for a problem to name."""
    line = graph.value(node, NWP.sourceLine)
    ident = graph.value(node, DCTERMS.identifier)
    if ident is None and (node, RDF.type, NWP.PlannedFigure) in graph:
        ident = f"{short(str(graph.value(node, NWP.tracksMetric)))} {graph.value(node, NWP.period)}"
    return source or None, None if line is None else int(line), None if ident is None else str(ident)


def validate_plan(graph: Graph, store: Store, shapes: Graph | None = None, checker: str | None = None) -> list[Problem]:
    """Every problem of a plan graph, each naming the commitment (and the line of the file it
    was read from) and the field: an id that is not in the policy graph, then every result of
    the plan shapes. An empty list means the plan can be kept.

    *checker* is ``fast`` (the default: the shapes compiled to SPARQL on Oxigraph,
    :mod:`graph.rules.shape_checks`, tens of times faster) or ``pyshacl`` (the reference);
    ``POLICY_GRAPH_PLAN_CHECKER`` sets it too. Both give the same findings."""
    checker = checker or os.environ.get("POLICY_GRAPH_PLAN_CHECKER") or "fast"
    if checker not in ("fast", "pyshacl"):
        raise StoreError(f"unknown plan checker '{checker}'; choose fast or pyshacl")
    problems: list[Problem] = []
    try:
        plan = _plan_node(graph)
    except StoreError as exc:
        return [Problem(str(exc))]
    source = _text(graph, plan, NWP.fileName)
    referenced: dict[URIRef, list[tuple[object, URIRef]]] = {}
    for predicate in _FIELDS:
        for subject, obj in graph.subject_objects(predicate):
            if isinstance(obj, URIRef):
                referenced.setdefault(obj, []).append((subject, predicate))
    types = _types(store, set(referenced))
    for node, uses in sorted(referenced.items()):
        if node in types:
            continue
        for subject, predicate in sorted(set(uses)):
            file, line, ident = _locate(graph, subject, source)
            what = "metric" if predicate == NWP.tracksMetric else (
                "organisation" if _FIELDS[predicate] == "organisation" else "item")
            problems.append(Problem(f"names the {what} '{short(str(node))}', which is not in the policy graph",
                                    file, line, _FIELDS[predicate], ident))
    typed = [(node, RDF.type, kind) for node, kinds in types.items() for kind in kinds]
    if checker == "fast":
        report = check_shapes(chain(graph, typed), shapes if shapes is not None else plan_shapes())
    else:
        from graph.build.validate import (
            validate,  # pySHACL takes a tenth of a second to import; only the reference needs it
        )

        data = Graph()
        data += graph
        for triple in typed:
            data.add(triple)
        report = validate(data, shapes if shapes is not None else plan_shapes())
    unknown = {n for n in referenced if n not in types}
    for finding in report.violations:
        focus = URIRef(finding.focus)
        if focus in unknown or (finding.value and URIRef(finding.value) in unknown):
            continue  # already reported, more plainly, as not in the policy graph
        shown = finding.value if finding.value and finding.value != finding.focus else None
        message = finding.message + (f" (value: {short(shown)})" if shown else "")
        if focus in referenced:
            for subject, predicate in sorted(set(referenced[focus])):
                file, line, ident = _locate(graph, subject, source)
                problems.append(Problem(f"names '{short(finding.focus)}', which {message}", file, line,
                                        _FIELDS[predicate], ident))
            continue
        file, line, ident = _locate(graph, focus, source)
        field = {"nwp:answers": "references", "nwp:justifiesNotAdopting": "references",
                 "nwp:tracksMetric": "metrics", "prov:wasAttributedTo": "organisation",
                 "dcterms:creator": "organisation", "dcterms:description": "text", "dcterms:identifier": "id",
                 "nwp:dueBy": "due", "nwp:justification": "justification", "rdf:value": "value",
                 "nwp:period": "period", "nwp:baselineValue": "baseline"}.get(finding.path or "", finding.path)
        if finding.shape.endswith("P5-same-organisation"):
            field = "organisation"
        problems.append(Problem(message, file, line, field, ident))
    return sorted(problems, key=lambda p: (p.line or 0, p.item or "", p.field or "", p.message))


# --- keeping plans beside the built graph --------------------------------------------------------




















# --- keeping plans on a SPARQL server too ------------------------------------------------------








# --- loaded plans in the store -------------------------------------------------------------------












# --- the whole load ------------------------------------------------------------------------------


class PlanInvalidError(InputFileError):
    """A plan broke the plan shapes or names what the policy graph does not hold; nothing was kept."""

    what = "the plan"

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        self.args = (f"the plan has {len(problems)} problem(s); nothing was loaded:\n{lines}",)


def build_plan(plan_id: str, organisation: str, commitments: list[Commitment], store: Store,
               figures: list[Figure] | None = None, title: str = "", source: str = "",
               published: bool = False) -> Graph:
    """The plan graph, validated.

    :raise PlanInvalidError: with every problem, when it is not valid.
    """
    graph = plan_to_graph(plan_id, organisation, commitments, figures, title, source=source, published=published)
    problems = validate_plan(graph, store)
    if problems:
        raise PlanInvalidError(problems)
    return graph


def plan_id_from(name: str) -> str:
    """A plan id made from a file name: its stem, with anything not allowed in an id replaced."""
    stem = unquote(Path(name).stem)
    ident = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:100]
    return ident or "plan"


__all__ = ["PlanInfo", "PlanInvalidError", "build_plan", "check_plan_id", "commitment_iri",
           "commitments_from_graph", "figure_iri", "figures_from_graph", "item_iri", "plan_graph_iri",
           "plan_id_from", "plan_info", "plan_iri", "plan_shapes", "plan_to_graph", "set_published", "validate_plan"]
